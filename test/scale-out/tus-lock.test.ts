import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnCluster, type KilnProcess, startKilnCluster } from '../support/kiln-cluster.js';
import { streamUpload } from '../support/slow-upload.js';

// Two PATCHes of one tus upload through two API nodes at once, with different bytes at the same
// offset: the PostgreSQL advisory lock lets one write; the other waits and is refused cleanly.
let cluster: KilnCluster;
let account: AccountCredentials;

before(async () => {
  cluster = await startKilnCluster({ apis: 2, workers: 0 });
  account = await cluster.createAccount('lock');
});
after(async () => {
  await cluster?.close();
});

const KiB = 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TUS = { 'tus-resumable': '1.0.0' };

/** A PATCH of `body` at offset 0 through `node`, sent in pieces over about a second and a half. */
async function slowPatch(node: KilnProcess, path: string, body: Buffer) {
  const patch = streamUpload(`${node.url}${path}`, account.apiToken, body.length, {
    method: 'PATCH',
    headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
  });
  try {
    for (let at = 0; at < body.length; at += 32 * KiB) {
      await patch.write(body.subarray(at, at + 32 * KiB));
      await new Promise((r) => setTimeout(r, 100));
    }
    patch.end();
  } catch {
    // The server answered (refused) before the whole body went out.
  }
  return patch.response;
}

test('concurrent PATCHes of one upload on two nodes: one client’s bytes, the offset counted once', async () => {
  const [a, b] = cluster.apis as [KilnProcess, KilnProcess];
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const half = 512 * KiB;
  const created = await fetch(`${a.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...auth, 'upload-length': String(2 * half) },
  });
  assert.equal(created.status, 201);
  const path = new URL(created.headers.get('location')!).pathname;

  const bytesA = Buffer.alloc(half, 'A');
  const bytesB = Buffer.alloc(half, 'B');
  const [resA, resB] = await Promise.all([slowPatch(a, path, bytesA), slowPatch(b, path, bytesB)]);
  const statuses = [resA.status, resB.status].sort();
  assert.equal(statuses.filter((s) => s === 204).length, 1, `both or neither written: ${statuses}`);
  const refused = statuses.find((s) => s !== 204)!;
  assert.ok(refused === 423 || refused === 409, `the other PATCH: ${refused}`);
  const winner = resA.status === 204 ? bytesA : bytesB;
  assert.equal((resA.status === 204 ? resA : resB).headers['upload-offset'], String(half));

  for (const node of [a, b]) {
    const head = await fetch(`${node.url}${path}`, { method: 'HEAD', headers: { ...TUS, ...auth } });
    assert.equal(head.headers.get('upload-offset'), String(half), 'the offset was counted twice');
  }
  const rest = Buffer.alloc(half, 'C');
  const last = await fetch(`${b.url}${path}`, {
    method: 'PATCH',
    headers: {
      ...TUS,
      ...auth,
      'upload-offset': String(half),
      'content-type': 'application/offset+octet-stream',
    },
    body: rest,
  });
  assert.equal(last.status, 200, await last.clone().text());
  const asset = (await last.json()) as { sha256: string; size: number; url: string };
  const expected = Buffer.concat([winner, rest]);
  assert.equal(asset.size, expected.length);
  assert.equal(asset.sha256, sha256(expected));
  assert.equal(sha256(Buffer.from(await (await fetch(asset.url)).arrayBuffer())), sha256(expected));
});
