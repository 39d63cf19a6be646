import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultFfmpegTools } from '../../../src/adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../../src/adapters/ffmpeg/run-tool.js';
import {
  type MediaSandbox,
  resolveMediaSandbox,
  sandboxedCommand,
  signalTool,
} from '../../../src/adapters/ffmpeg/sandboxed-command.js';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

describe('sandboxedCommand', () => {
  let dir: string;
  let sandbox: MediaSandbox;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-sandbox-'));
    sandbox = await resolveMediaSandbox('bwrap'); // installed by scripts/install-system-deps.sh
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('leaves the command as is without a sandbox, and KILN_MEDIA_SANDBOX is validated', async () => {
    const none = await resolveMediaSandbox('off');
    assert.equal(none.kind, 'none');
    assert.deepEqual(sandboxedCommand(none, '/usr/bin/ffmpeg', ['-i', 'x'], { read: ['x'] }), {
      command: '/usr/bin/ffmpeg',
      args: ['-i', 'x'],
    });
    assert.equal(loadConfig({}, { KILN_MEDIA_SANDBOX: 'bwrap' }).mediaSandbox, 'bwrap');
    assert.throws(
      () => loadConfig({}, { KILN_MEDIA_SANDBOX: 'yes' }),
      (err) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /KILN_MEDIA_SANDBOX/);
        return true;
      },
    );
  });

  it('writes only the output directory and reads only the declared inputs', async () => {
    const tools = await defaultFfmpegTools();
    const inputDir = join(dir, 'in');
    const out = join(dir, 'out');
    const neighbour = join(dir, 'neighbour');
    await mkdir(inputDir);
    await mkdir(out);
    await mkdir(neighbour);
    const input = join(inputDir, 'a.txt');
    await writeFile(input, 'hello');
    const copy = (to: string) =>
      ['-v', 'error', '-y', '-f', 'data', '-i', input, '-map', '0', '-c', 'copy'].concat(['-f', 'data', to]);
    await runTool(tools.ffmpeg, copy(join(out, 'b.txt')), { access: { read: [input], write: [out] } });
    assert.equal(await readFile(join(out, 'b.txt'), 'utf8'), 'hello');
    await assert.rejects(
      runTool(tools.ffmpeg, copy(join(neighbour, 'c.txt')), { access: { read: [input], write: [out] } }),
    );
    // Beside a read-only input: at most the sandbox's own private /tmp gets it (these test dirs are
    // under /tmp; Kiln's scratch is under the data dir, where the sandbox's root is read-only).
    await runTool(tools.ffmpeg, copy(join(inputDir, 'c.txt')), {
      access: { read: [input], write: [out] },
    }).catch(() => {});
    assert.deepEqual(await readdir(inputDir), ['a.txt']);
    assert.deepEqual(await readdir(neighbour), []);
  });

  it('delivers SIGTERM to the tool inside (ffmpeg closes its output) and SIGKILL ends everything', async () => {
    const tools = await defaultFfmpegTools();
    const out = join(dir, 'live');
    await mkdir(out);
    const args = ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10'].concat([
      '-c:v',
      'libx264',
      '-f',
      'mpegts',
      join(out, 'rec.ts'),
    ]);
    const run = sandboxedCommand(sandbox, tools.ffmpeg, args, { write: [out] });
    const child = spawn(run.command, run.args, { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    signalTool(child, true, 'SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.notEqual(code, null, 'bubblewrap exited on its own once ffmpeg finished');
    assert.ok((await readFile(join(out, 'rec.ts'))).length > 1000);
  });
});
