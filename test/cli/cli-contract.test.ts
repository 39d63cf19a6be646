import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'kiln.js');
const dataDir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function kiln(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [bin, ...args], { env: { ...process.env, KILN_DATA_DIR: dataDir, ...env } });
}

test('kiln --help lists the commands', async () => {
  const { stdout } = await kiln(['--help']);
  for (const cmd of ['serve', 'accounts', 'migrate']) assert.match(stdout, new RegExp(cmd));
});

test('kiln accounts create --json prints exactly the contract object', async () => {
  const { stdout } = await kiln(['accounts', 'create', '--name', 'cli-test', '--json']);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const c = JSON.parse(lines[0]!);
  assert.match(c.id, /^[0-9a-f]{32}$/);
  assert.equal(c.name, 'cli-test');
  for (const k of ['apiToken', 'imagesHash']) assert.equal(typeof c[k], 'string');
  assert.equal(typeof c.uploadcare.publicKey, 'string');
  assert.equal(typeof c.uploadcare.secretKey, 'string');
  assert.equal(typeof c.stream.apiKey, 'string');
  assert.ok(!c.stream.apiSecret.includes('.'));
  const list = JSON.parse((await kiln(['accounts', 'list', '--json'])).stdout);
  assert.ok(list.some((a: { id: string }) => a.id === c.id));
});

test('an invalid setting stops start-up with a message naming the variable', async () => {
  await assert.rejects(kiln(['serve'], { KILN_PORT: 'abc' }), (err: { stderr: string; code: number }) => {
    assert.match(err.stderr, /KILN_PORT/);
    assert.notEqual(err.code, 0);
    return true;
  });
});

test('kiln serve works with an account created by the CLI against the same data dir, and drains on SIGTERM', async () => {
  const { stdout } = await kiln(['accounts', 'create', '--name', 'served', '--json']);
  const creds = JSON.parse(stdout);
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, KILN_DATA_DIR: dataDir, KILN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = await fetch(`${base}/kiln/v1/assets?name=a.txt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${creds.apiToken}` },
    body: 'hello',
  });
  assert.equal(res.status, 201);
  const asset = (await res.json()) as { url: string };
  assert.ok(
    asset.url.startsWith(`http://localhost:${port}/files/`),
    'URLs are built on the default public URL',
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
