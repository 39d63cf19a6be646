import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, utimesSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tus from 'tus-js-client';
import { startKiln, type TestKiln } from '../../support/start-kiln.js';
import { waitFor } from '../../support/wait-for.js';

let kiln: TestKiln;
let token: string;
const auth = () => ({ authorization: `Bearer ${token}` });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  kiln = await startKiln({ env: { KILN_EXPIRY_SWEEP_SECONDS: '1' } });
  token = (await kiln.createAccount()).apiToken;
});
after(() => kiln.close());

function tusUpload(body: Buffer, options: Partial<tus.UploadOptions> = {}) {
  return new Promise<{ url: string; asset: Record<string, any> }>((resolve, reject) => {
    const upload = new tus.Upload(body, {
      endpoint: `${kiln.url}/kiln/v1/uploads`,
      headers: auth(),
      metadata: { filename: 'big data.bin', filetype: 'application/octet-stream' },
      retryDelays: [],
      ...options,
      onError: reject,
      onSuccess: ({ lastResponse }) =>
        resolve({ url: upload.url!, asset: JSON.parse(lastResponse.getBody()) }),
    });
    upload.start();
  });
}

test('tus-js-client uploads in chunks; the final response is the asset, whose URL serves the bytes', async () => {
  const body = randomBytes(700 * 1024 + 3);
  const { url, asset } = await tusUpload(body, { chunkSize: 256 * 1024 });
  assert.ok(url.startsWith(`${kiln.url}/kiln/v1/uploads/`));
  assert.equal(asset.id, url.split('/').pop());
  assert.equal(asset.size, body.length);
  assert.equal(asset.sha256, sha256(body));
  assert.equal(asset.name, 'big data.bin');
  const served = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
  assert.equal(sha256(served), sha256(body));
  const listed = (await (
    await fetch(`${kiln.url}/kiln/v1/assets/${asset.id}`, { headers: auth() })
  ).json()) as any;
  assert.equal(listed.id, asset.id);
  // Chunks are gone once assembled.
  for await (const b of kiln.server.runtime.blobs.list(`uploads/${asset.id}/chunk`))
    assert.fail(`left ${b.key}`);
});

test('a PATCH cut mid-body keeps what arrived; HEAD reports it and the upload completes from there', async () => {
  const body = randomBytes(1024 * 1024);
  const created = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-length': String(body.length) },
  });
  assert.equal(created.status, 201);
  const location = created.headers.get('location')!;
  await new Promise<void>((resolve) => {
    const req = httpRequest(location, {
      method: 'PATCH',
      headers: {
        ...auth(),
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(body.length),
      },
    });
    req.on('error', () => resolve());
    req.write(body.subarray(0, 300 * 1024));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 300);
  });
  await new Promise((r) => setTimeout(r, 300));
  const head = await fetch(location, { method: 'HEAD', headers: { ...auth(), 'tus-resumable': '1.0.0' } });
  assert.equal(head.status, 200);
  const offset = Number(head.headers.get('upload-offset'));
  assert.ok(offset > 0 && offset <= 300 * 1024, `offset ${offset}`);
  const done = await fetch(location, {
    method: 'PATCH',
    headers: {
      ...auth(),
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: new Uint8Array(body.subarray(offset)),
  });
  assert.equal(done.status, 200);
  const asset = (await done.json()) as any;
  assert.equal(asset.sha256, sha256(body));
});

test('uploads belong to their account; no token is 401; over the size limit is refused', async () => {
  const created = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-length': '10' },
  });
  const location = created.headers.get('location')!;
  const other = await kiln.createAccount();
  const head = await fetch(location, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${other.apiToken}`, 'tus-resumable': '1.0.0' },
  });
  assert.equal(head.status, 404);
  assert.equal(
    (await fetch(location, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } })).status,
    401,
  );
  const tooBig = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: {
      ...auth(),
      'tus-resumable': '1.0.0',
      'upload-length': String(kiln.server.runtime.config.maxUploadBytes + 1),
    },
  });
  assert.equal(tooBig.status, 413);
  const del = await fetch(location, { method: 'DELETE', headers: { ...auth(), 'tus-resumable': '1.0.0' } });
  assert.equal(del.status, 204);
  assert.equal(
    (await fetch(location, { method: 'HEAD', headers: { ...auth(), 'tus-resumable': '1.0.0' } })).status,
    404,
  );
});

test('an upload abandoned for longer than its 24 h lifetime is removed by the expiry sweep', async (t) => {
  if (kiln.server.runtime.blobs.kind !== 'fs') return t.skip('ages files on the local disk');
  // Created with its first 5 bytes (creation-with-upload), then left alone.
  const created = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: {
      ...auth(),
      'tus-resumable': '1.0.0',
      'upload-length': '10',
      'content-type': 'application/offset+octet-stream',
    },
    body: 'hello',
  });
  assert.equal(created.headers.get('upload-offset'), '5');
  const location = created.headers.get('location')!;
  const id = location.split('/').pop()!;
  const old = new Date(Date.now() - 25 * 3600_000);
  for (const f of readdirSync(kiln.dataDir, { recursive: true }) as string[])
    if (f.includes(join('uploads', id, ''))) utimesSync(join(kiln.dataDir, f), old, old);
  await waitFor(
    async () =>
      (await fetch(location, { method: 'HEAD', headers: { ...auth(), 'tus-resumable': '1.0.0' } })).status ===
      404,
    { what: 'the abandoned upload to be removed', timeoutMs: 20_000 },
  );
  for await (const b of kiln.server.runtime.blobs.list(`uploads/${id}`)) assert.fail(`left ${b.key}`);
});
