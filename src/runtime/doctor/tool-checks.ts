import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { locateFfmpeg } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { type CheckResult, fail, ok, warn } from './doctor-check.js';

const MIN_NODE_MAJOR = 20;
/** Where the media sandbox looks for bubblewrap first. */
const BWRAP_PATH = '/usr/bin/bwrap';
const INSTALL_FFMPEG = "install Debian's ffmpeg (`apt-get install ffmpeg`)";

export async function checkNode(): Promise<CheckResult> {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? ok('node', `v${process.versions.node}`)
    : fail('node', `v${process.versions.node} is too old`, `install Node.js ${MIN_NODE_MAJOR} or later`);
}

/** The capabilities of ffmpeg that Kiln's video features need, and what each one is for. */
const FFMPEG_NEEDS = [
  { list: 'encoders', name: 'libx264', verdict: 'fail', for: 'H.264 encoding (every video rendition)' },
  { list: 'encoders', name: 'aac', verdict: 'fail', for: 'AAC audio encoding' },
  { list: 'protocols', name: 'srt', verdict: 'warn', for: 'SRT live ingest (RTMP still works)' },
] as const;

/** ffmpeg and ffprobe found where Kiln looks (KILN_FFMPEG / KILN_FFPROBE, PATH), their version and codecs. */
export async function checkFfmpeg(paths: {
  ffmpegPath?: string;
  ffprobePath?: string;
}): Promise<CheckResult[]> {
  let tools: Awaited<ReturnType<typeof locateFfmpeg>>;
  try {
    tools = await locateFfmpeg(paths);
  } catch (err) {
    const message = (err as Error).message;
    const probe = /ffprobe|KILN_FFPROBE/.test(message) && !/KILN_FFMPEG/.test(message);
    const variable = probe ? 'KILN_FFPROBE' : 'KILN_FFMPEG';
    return [
      fail(probe ? 'ffprobe' : 'ffmpeg', message, `${INSTALL_FFMPEG}, or point ${variable} at the binary`),
    ];
  }
  const version = tools.version.replace(/^ffmpeg version /, '').split(' ')[0] ?? tools.version;
  const lists = {
    encoders: await toolOutput(tools.ffmpeg, ['-hide_banner', '-encoders']),
    protocols: await toolOutput(tools.ffmpeg, ['-hide_banner', '-protocols']),
  };
  const has = (list: keyof typeof lists, name: string) =>
    new RegExp(`(^|\\s)${name}(\\s|$)`, 'm').test(lists[list]);
  const missing = FFMPEG_NEEDS.filter((n) => !has(n.list, n.name));
  const found = FFMPEG_NEEDS.filter((n) => has(n.list, n.name)).map((n) => n.name);
  const results: CheckResult[] = [];
  const detail = `${version} (${tools.ffmpeg})${found.length ? `: ${found.join(', ')}` : ''}`;
  if (missing.length === 0) results.push(ok('ffmpeg', detail));
  else {
    const worst = missing.some((n) => n.verdict === 'fail') ? fail : warn;
    const lacks = missing.map((n) => `no ${n.name} (${n.for})`).join('; ');
    results.push(worst('ffmpeg', `${detail}; ${lacks}`, `${INSTALL_FFMPEG}: its build has all of them`));
  }
  const probeVersion = (await toolOutput(tools.ffprobe, ['-hide_banner', '-version'])).split('\n')[0] ?? '';
  results.push(
    ok('ffprobe', `${probeVersion.replace(/^ffprobe version /, '').split(' ')[0]} (${tools.ffprobe})`),
  );
  return results;
}

/**
 * bubblewrap, the sandbox ffmpeg and ffprobe run in: present, and able to make a sandbox here.
 * With KILN_MEDIA_SANDBOX=off the operator chose to run them unconfined: a warning, not a failure.
 */
export async function checkBubblewrap(
  mode: 'auto' | 'bwrap' | 'off' = 'auto',
  pathEnv = process.env.PATH ?? '',
): Promise<CheckResult> {
  if (mode === 'off') {
    return warn(
      'bubblewrap',
      'KILN_MEDIA_SANDBOX=off: ffmpeg and ffprobe run unconfined on uploaded files',
      'install bubblewrap and unset KILN_MEDIA_SANDBOX (or set it to bwrap)',
    );
  }
  const candidates = [
    BWRAP_PATH,
    ...pathEnv
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'bwrap')),
  ];
  let bwrap: string | undefined;
  for (const c of candidates) {
    if (
      await access(c, constants.X_OK).then(
        () => true,
        () => false,
      )
    ) {
      bwrap = c;
      break;
    }
  }
  if (!bwrap) {
    return fail(
      'bubblewrap',
      'bwrap not found',
      'install bubblewrap (`apt-get install bubblewrap`): media tools run in its sandbox',
    );
  }
  try {
    await runTool(bwrap, ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true'], {
      name: 'bwrap',
      timeoutMs: 10_000,
    });
  } catch (err) {
    return fail(
      'bubblewrap',
      `${bwrap} cannot create a sandbox here: ${(err as Error).message}`,
      'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or in a container drop its seccomp/AppArmor block on them',
    );
  }
  const version = (await toolOutput(bwrap, ['--version'])).trim();
  return ok('bubblewrap', `${version || 'bwrap'} (${bwrap})`);
}

async function toolOutput(command: string, args: string[]): Promise<string> {
  const { stdout } = await runTool(command, args, { timeoutMs: 15_000 });
  return stdout.toString('utf8');
}
