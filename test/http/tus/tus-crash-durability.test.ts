import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as tus from 'tus-js-client';
import type { AccountCredentials } from '../../../src/core/accounts/account.js';
import {
  type KilnCluster,
  type KilnProcess,
  spawnKiln,
  startKilnCluster,
} from '../../support/kiln-cluster.js';
import { streamUpload } from '../../support/slow-upload.js';
import { waitFor } from '../../support/wait-for.js';

// kill -9 of a real `kiln serve` in the middle of one large tus PATCH (tus-js-client's default):
// what reached the store (committed every 4 MiB) is kept, and the client resumes from there. On
// SQLite + the local disk, and in the scale-out run on PostgreSQL + the S3 protocol server.
const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../../bin/kiln.js');
const MiB = 1024 * 1024;
let node: KilnProcess;
let account: AccountCredentials;
let committed: (id: string) => Promise<string[]>;
let cluster: KilnCluster | undefined;
let dataDir = '';

before(async () => {
  if (process.env.KILN_TEST_DATABASE_URL) {
    cluster = await startKilnCluster({ apis: 1, workers: 0 });
    node = cluster.apis[0]!;
    account = await cluster.createAccount();
    committed = (id) => cluster!.objectKeys(`uploads/${id}/chunk/`);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-tus-crash-'));
    node = await spawnKiln('crash', 'all', { KILN_LOG_LEVEL: 'info' }, dataDir);
    const env = { ...process.env, KILN_DATA_DIR: dataDir };
    account = JSON.parse(
      (await run(process.execPath, [BIN, 'accounts', 'create', '--name', 'crash', '--json'], { env })).stdout,
    );
    committed = async (id) =>
      (readdirSync(dataDir, { recursive: true }) as string[]).filter((f) =>
        f.includes(join('uploads', id, 'chunk', '')),
      );
  }
});
after(async () => {
  if (cluster) await cluster.close();
  else {
    await node?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('kill -9 mid-PATCH: HEAD on the restarted server shows the committed bytes; tus-js-client resumes to the same bytes', async () => {
  const body = randomBytes(14 * MiB);
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const created = await fetch(`${node.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-length': String(body.length) },
  });
  assert.equal(created.status, 201);
  const url = created.headers.get('location')!;
  const id = url.split('/').pop()!;

  // One PATCH for the whole body; 10 MiB of it go out, then the server is killed.
  const patch = streamUpload(url, account.apiToken, body.length, {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
  });
  for (let at = 0; at < 10 * MiB; at += 256 * 1024) await patch.write(body.subarray(at, at + 256 * 1024));
  await waitFor(async () => (await committed(id)).length >= 1, { what: 'a committed chunk' });
  await node.kill('SIGKILL');
  await patch.response.catch(() => {});
  await node.restart();

  const head = await fetch(url, { method: 'HEAD', headers: { ...auth, 'tus-resumable': '1.0.0' } });
  assert.equal(head.status, 200);
  const offset = Number(head.headers.get('upload-offset'));
  // At least the first whole 4 MiB chunk. (The S3 test server keeps a PUT cut by the kill, unlike
  // S3; those are still the right bytes at the right offset, so the offset may fall between chunks.)
  assert.ok(offset >= 4 * MiB && offset <= 10 * MiB, `offset after the crash: ${offset}`);

  let firstProgress = -1;
  const asset = await new Promise<Record<string, any>>((done, fail) => {
    const upload = new tus.Upload(body, {
      uploadUrl: url,
      headers: auth,
      retryDelays: [],
      onProgress: (sent) => {
        if (firstProgress < 0) firstProgress = sent;
      },
      onError: fail,
      onSuccess: ({ lastResponse }) => done(JSON.parse(lastResponse.getBody())),
    });
    upload.start();
  });
  assert.ok(firstProgress >= offset, `the client restarted from ${firstProgress}, not ${offset}`);
  assert.equal(asset.size, body.length);
  assert.equal(asset.sha256, sha256(body));
  const served = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
  assert.equal(sha256(served), sha256(body));
  assert.deepEqual(await committed(id), [], 'chunks left after assembly');
});
