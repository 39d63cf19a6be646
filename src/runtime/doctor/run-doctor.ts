import type { KilnConfig } from '../../config/config.js';
import { checkDatabase } from './database-check.js';
import { type CheckResult, runChecks } from './doctor-check.js';
import { checkLibvips } from './image-checks.js';
import { checkPublicUrl } from './public-url-check.js';
import { checkDiskSpace, checkStorage } from './storage-check.js';
import { checkBubblewrap, checkFfmpeg, checkNode } from './tool-checks.js';

/** Everything a self-hoster needs, checked against the configuration `kiln serve` would use. */
export function runDoctor(config: KilnConfig): Promise<CheckResult[]> {
  return runChecks([
    ['node', checkNode],
    ['ffmpeg', () => checkFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath })],
    ['bubblewrap', () => checkBubblewrap(config.mediaSandbox)],
    ['libvips', checkLibvips],
    ['database', () => checkDatabase(config.databaseUrl)],
    ['storage', () => checkStorage({ storageUrl: config.storageUrl, dataDir: config.dataDir })],
    ['disk', () => checkDiskSpace(config.dataDir)],
    ['public url', () => checkPublicUrl(config.publicUrl)],
  ]);
}

const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/** The report as lines for a terminal: one verdict per line, the fix indented below it. */
export function formatDoctorReport(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.flatMap((r) => {
    const line = `${LABEL[r.verdict]}  ${r.name.padEnd(width)}  ${r.detail}`;
    return r.fix ? [line, `${' '.repeat(width + 8)}→ ${r.fix}`] : [line];
  });
  const failed = results.filter((r) => r.verdict === 'fail').length;
  const warned = results.filter((r) => r.verdict === 'warn').length;
  const verdict =
    failed > 0
      ? `${failed} check(s) FAILED: Kiln cannot do all of its work until they are fixed`
      : warned > 0
        ? `ready, with ${warned} warning(s)`
        : 'ready: every check passed';
  return `${lines.join('\n')}\n\n${verdict}\n`;
}
