import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type KilnProcess, kilnCli, spawnKiln } from '../support/kiln-cluster.js';

// `kiln doctor` from dist/ (build first) against a real embedded Kiln: SQLite and the local disk,
// with `kiln serve` running on loopback so the public URL check has a server to reach.
const dataDir = mkdtempSync(join(tmpdir(), 'kiln-doctor-'));
let server: KilnProcess;
let env: Record<string, string>;

before(async () => {
  server = await spawnKiln('all', 'all', { KILN_LOG_LEVEL: 'info' }, dataDir);
  env = { KILN_DATA_DIR: dataDir, KILN_PUBLIC_URL: server.url!, PATH: process.env.PATH ?? '' };
});
after(async () => {
  await server?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Line {
  name: string;
  verdict: string;
  detail: string;
  fix?: string;
}

async function doctor(extra: Record<string, string> = {}, args: string[] = []) {
  try {
    return { code: 0, stdout: await kilnCli(['doctor', ...args], { ...env, ...extra }) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('kiln doctor on a healthy embedded setup: every line ok, exit 0', async () => {
  const { code, stdout } = await doctor();
  assert.equal(code, 0, stdout);
  const lines = stdout.trim().split('\n\n')[0]!.split('\n');
  const names = lines.map(
    (l) =>
      l
        .slice(6)
        .trim()
        .split(/\s{2,}/)[0],
  );
  for (const name of [
    'node',
    'ffmpeg',
    'ffprobe',
    'bubblewrap',
    'libvips',
    'database',
    'storage',
    'disk',
    'public url',
  ]) {
    assert.ok(names.includes(name), `${name} is checked:\n${stdout}`);
  }
  for (const line of lines) assert.match(line, /^ok {4}/, stdout);
  assert.match(stdout, /ffmpeg +\S+ \(\S+\): libx264, aac, srt/);
  assert.match(stdout, /libvips +libvips \d+\.\d+\.\d+ .*reads .*WebP.*AVIF.*writes .*WebP.*AVIF/);
  assert.match(stdout, /database +sqlite .*migrated \(\d{4}-/);
  assert.match(stdout, /storage +fs .*write, read, delete/);
  assert.match(stdout, /disk +\d+\.\d GiB free/);
  assert.ok(stdout.includes(`${server.url}/healthz answers 200`));
  assert.match(stdout, /ready: every check passed/);

  const json = JSON.parse((await doctor({}, ['--json'])).stdout) as Line[];
  assert.deepEqual([...new Set(json.map((l) => l.verdict))], ['ok']);
});

test('kiln doctor with KILN_FFMPEG pointing at a missing file: FAIL naming ffmpeg and the fix, exit 1', async () => {
  const missing = join(dataDir, 'no-such-ffmpeg');
  const { code, stdout } = await doctor({ KILN_FFMPEG: missing });
  assert.equal(code, 1, stdout);
  const line = stdout.split('\n').find((l) => l.startsWith('FAIL'));
  assert.ok(line, stdout);
  assert.match(line, /^FAIL {2}ffmpeg .*KILN_FFMPEG=.*no-such-ffmpeg/);
  assert.match(
    stdout,
    /→ install Debian's ffmpeg \(`apt-get install ffmpeg`\), or point KILN_FFMPEG at the binary/,
  );
  assert.match(stdout, /FAILED/);
  // The other checks still ran.
  assert.match(stdout, /^ok {4}database/m);
});

test('kiln doctor: a public URL that does not answer is a warning, not a failure', async () => {
  const { code, stdout } = await doctor({ KILN_PUBLIC_URL: 'http://127.0.0.1:9' }, ['--json']);
  assert.equal(code, 0);
  const line = (JSON.parse(stdout) as Line[]).find((l) => l.name === 'public url')!;
  assert.equal(line.verdict, 'warn');
  assert.match(line.detail, /not reachable/);
  assert.match(line.fix!, /KILN_PUBLIC_URL/);
});

test('kiln doctor on a data dir Kiln never started on: warns, and creates no database', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'kiln-doctor-fresh-'));
  try {
    const { stdout } = await doctor({ KILN_DATA_DIR: fresh }, ['--json']);
    const line = (JSON.parse(stdout) as Line[]).find((l) => l.name === 'database')!;
    assert.equal(line.verdict, 'warn');
    assert.match(line.fix!, /kiln migrate/);
    assert.equal((await import('node:fs')).existsSync(join(fresh, 'kiln.db')), false);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
