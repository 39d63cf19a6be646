import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

const run = promisify(execFile);
const main = join(process.cwd(), 'src', 'cli', 'main.ts');
const work = mkdtempSync(join(tmpdir(), 'kiln-upload-cli-'));
let kiln: TestKiln;
let env: Record<string, string>;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  kiln = await startKiln();
  const { apiToken } = await kiln.createAccount();
  env = { KILN_URL: kiln.url, KILN_TOKEN: apiToken, KILN_UPLOAD_STATE: join(work, 'state.json') };
});
after(async () => {
  await kiln.close();
  rmSync(work, { recursive: true, force: true });
});

const cliArgs = (args: string[]) => ['--import', 'tsx', main, ...args];
function cli(args: string[]) {
  return run(process.execPath, cliArgs(args), {
    env: { ...process.env, ...env },
    maxBuffer: 10 * 1024 * 1024,
  });
}

test('kiln upload <dir> uploads every file; ls lists them; rm deletes', async () => {
  const dir = join(work, 'photos');
  mkdirSync(join(dir, 'nested'), { recursive: true });
  const files: Record<string, Buffer> = {
    'a.bin': randomBytes(1000),
    'b.txt': Buffer.from('hello kiln'),
    'nested/c.bin': randomBytes(300 * 1024),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, '.hidden'), 'skipped');

  const { stdout } = await cli(['upload', dir, '--json']);
  const assets = JSON.parse(stdout) as Array<{
    id: string;
    name: string;
    size: number;
    sha256: string;
    url: string;
  }>;
  assert.deepEqual(assets.map((a) => a.name).sort(), ['a.bin', 'b.txt', 'c.bin']);
  for (const a of assets) {
    const original = Object.entries(files).find(([n]) => n.endsWith(a.name))![1];
    assert.equal(a.sha256, sha256(original));
    assert.equal(sha256(Buffer.from(await (await fetch(a.url)).arrayBuffer())), sha256(original));
  }

  const table = (await cli(['upload', join(dir, 'b.txt')])).stdout;
  assert.match(table, /^ID\s+SIZE\s+NAME\s+URL/m);
  assert.match(table, /b\.txt\s+http:\/\/127\.0\.0\.1:\d+\/files\//);

  const listed = JSON.parse((await cli(['ls', '--json', '--search', 'a.bin'])).stdout);
  assert.equal(listed.total, 1);
  assert.equal(listed.assets[0].id, assets.find((a) => a.name === 'a.bin')!.id);
  assert.match((await cli(['ls'])).stdout, /4 of 4/);

  const removed = JSON.parse((await cli(['rm', assets[0]!.id, '--json'])).stdout);
  assert.deepEqual(removed, [{ id: assets[0]!.id, deleted: true }]);
  await assert.rejects(cli(['rm', assets[0]!.id]), (err: { stderr: string; code: number }) => {
    assert.match(err.stderr, /not found \(HTTP 404\)/i);
    assert.equal(err.code, 1);
    return true;
  });
});

test('an upload killed mid-file resumes on the next run and ends with the exact bytes', async () => {
  const big = randomBytes(24 * 1024 * 1024);
  const path = join(work, 'big.bin');
  writeFileSync(path, big);
  const args = cliArgs(['upload', path, '--json', '--chunk-size', String(512 * 1024)]);
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Kill it once the server holds a few chunks (and well before the last one).
  const deadline = Date.now() + 60_000;
  let held = 0;
  while (Date.now() < deadline) {
    held = 0;
    for await (const b of kiln.server.runtime.blobs.list('uploads'))
      if (b.key.includes('/chunk/')) held += b.size;
    if (held >= 2 * 1024 * 1024) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(held > 0 && held < big.length, `server held ${held} bytes when the CLI was killed`);
  assert.match(readFileSync(env.KILN_UPLOAD_STATE!, 'utf8'), /kiln\/v1\/uploads\//);

  const { stdout, stderr } = await cli(['upload', path, '--json', '--chunk-size', String(4 * 1024 * 1024)]);
  const from = Number(/resuming .*big\.bin from (\d+) bytes/.exec(stderr)?.[1]);
  assert.ok(from >= held && from < big.length, `resumed from ${from}: ${stderr}`);
  const [asset] = JSON.parse(stdout);
  assert.equal(asset.size, big.length);
  assert.equal(asset.sha256, sha256(big));
  const served = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
  assert.equal(sha256(served), sha256(big));
});

test('missing server or token is a clear usage error', async () => {
  await assert.rejects(
    run(process.execPath, cliArgs(['ls']), { env: { ...process.env, KILN_URL: '', KILN_TOKEN: '' } }),
    (err: { stderr: string; code: number }) => {
      assert.match(err.stderr, /KILN_URL/);
      assert.equal(err.code, 2);
      return true;
    },
  );
});
