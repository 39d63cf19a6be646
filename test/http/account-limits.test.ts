import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UploadError, uploadFile } from '@uploadcare/upload-client';
import Cloudflare, { toFile } from 'cloudflare';
import { connect } from 'getstream';
import * as tus from 'tus-js-client';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { quadrantPng } from '../support/test-images.js';

/**
 * Account limits set by the operator (admin API) and enforced on every dialect with its own error,
 * mid-stream when the size is not known in advance, with nothing left behind.
 */
const ADMIN = 'test-admin-token-0123456789';
let kiln: TestKiln;
before(async () => {
  kiln = await startKiln({ env: { KILN_ADMIN_TOKEN: ADMIN } });
});
after(async () => {
  kiln.server.app?.server.closeAllConnections();
  await kiln?.close();
});

async function setLimits(id: string, limits: Record<string, number | null>, token = ADMIN) {
  const res = await fetch(`${kiln.url}/kiln/v1/accounts/${id}/limits`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(limits),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** Live rows and blobs of an account: what an upload refused by a limit must not leave. */
async function leftovers(accountId: string) {
  const runtime = kiln.server.runtime;
  const rows = await runtime.assets.count({ accountId });
  const blobs: string[] = [];
  for await (const b of runtime.blobs.list(`a/${accountId}/`)) blobs.push(b.key);
  return { rows, blobs };
}

function cloudflare(account: AccountCredentials) {
  return new Cloudflare({ apiToken: account.apiToken, baseURL: `${kiln.url}/client/v4`, maxRetries: 0 });
}

/** A chunked body (no Content-Length): the size is only known as it streams. */
function chunked(bytes: number) {
  const chunk = Buffer.alloc(16 * 1024, 7);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
      sent += chunk.length;
    },
  });
}

test('admin API: the operator token reads and sets limits; account tokens and bad values are refused', async () => {
  const account = await kiln.createAccount();
  const set = await setLimits(account.id, { maxFileSize: 1000, maxFiles: 3 });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.deepEqual(set.json.limits, { maxFileSize: 1000, maxFiles: 3, maxStorageBytes: null });
  const cleared = await setLimits(account.id, { maxFiles: null, maxStorageBytes: 5000 });
  assert.deepEqual(cleared.json.limits, { maxFileSize: 1000, maxFiles: null, maxStorageBytes: 5000 });
  const own = await fetch(`${kiln.url}/kiln/v1/account`, {
    headers: { authorization: `Bearer ${account.apiToken}` },
  });
  assert.deepEqual(((await own.json()) as any).limits, cleared.json.limits);

  assert.equal((await setLimits(account.id, { maxFiles: 1 }, account.apiToken)).status, 401);
  const bad = await setLimits(account.id, { maxFiles: -1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_input');
  assert.equal((await setLimits('0'.repeat(32), { maxFiles: 1 })).status, 404);
});

test("Kiln's API: over maxFileSize mid-stream is refused in Kiln's envelope, nothing left; images report their size", async () => {
  const account = await kiln.createAccount();
  await setLimits(account.id, { maxFileSize: 40_000 });
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=big.bin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}` },
    body: chunked(200_000),
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 403);
  const body = (await res.json()) as any;
  assert.equal(body.error.code, 'limit_exceeded');
  assert.match(body.error.message, /maxFileSize/);
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });

  // Kiln's resumable uploads: the announced Upload-Length is refused at creation.
  const refused = await new Promise<tus.DetailedError>((resolve, reject) => {
    const up = new tus.Upload(Buffer.alloc(60_000, 5), {
      endpoint: `${kiln.url}/kiln/v1/uploads`,
      headers: { Authorization: `Bearer ${account.apiToken}` },
      metadata: { filename: 'big.bin' },
      retryDelays: [],
      onError: (err) => resolve(err as tus.DetailedError),
      onSuccess: () => reject(new Error('the upload should have been refused')),
    });
    up.start();
  });
  assert.equal(refused.originalResponse?.getStatus(), 403);
  assert.equal(JSON.parse(refused.originalResponse!.getBody()).error.accountLimit, 'maxFileSize');
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });

  const png = await quadrantPng(120, 80);
  const ok = await fetch(`${kiln.url}/kiln/v1/assets?name=q.png`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}` },
    body: new Uint8Array(png),
  });
  assert.equal(ok.status, 201);
  const asset = (await ok.json()) as any;
  assert.deepEqual([asset.kind, asset.width, asset.height], ['image', 120, 80]);
});

test('Cloudflare Images and Stream: limits answer in the Cloudflare envelope with code 10011', async () => {
  const account = await kiln.createAccount();
  const client = cloudflare(account);
  const png = await quadrantPng(200, 100);
  await setLimits(account.id, { maxFileSize: png.length - 1 });
  const tooBig = await client.images.v1
    .create({ account_id: account.id, file: await toFile(png, 'q.png', { type: 'image/png' }) })
    .catch((err: unknown) => err);
  assert.ok(tooBig instanceof Cloudflare.APIError && tooBig.status === 403, String(tooBig));
  assert.equal(tooBig.errors[0]?.code, 10011);
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });

  await setLimits(account.id, { maxFileSize: null, maxFiles: 1 });
  const first = await client.images.v1.create({
    account_id: account.id,
    file: await toFile(png, 'q.png', { type: 'image/png' }),
  });
  assert.ok(first.id);
  const second = await client.images.v1
    .create({ account_id: account.id, file: await toFile(png, 'q.png', { type: 'image/png' }) })
    .catch((err: unknown) => err);
  assert.ok(second instanceof Cloudflare.APIError && second.status === 403, String(second));
  assert.equal(second.errors[0]?.code, 10011);
  const direct = await client.stream.directUpload
    .create({ account_id: account.id, maxDurationSeconds: 60 })
    .catch((err: unknown) => err);
  assert.ok(direct instanceof Cloudflare.APIError && direct.status === 403, String(direct));
  assert.equal(direct.errors[0]?.code, 10011);
  assert.equal((await leftovers(account.id)).rows, 1);
});

test('Cloudflare Stream: a basic upload over the limit is cut mid-stream and a tus creation over it is refused', async () => {
  const account = await kiln.createAccount();
  await setLimits(account.id, { maxStorageBytes: 50_000 });
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(300_000, 1)]), 'v.mp4');
  const basic = await fetch(`${kiln.url}/client/v4/accounts/${account.id}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}` },
    body: form,
  });
  assert.equal(basic.status, 403);
  assert.equal(((await basic.json()) as any).errors[0].code, 10011);
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });

  const refused = await new Promise<tus.DetailedError>((resolve, reject) => {
    const up = new tus.Upload(Buffer.alloc(60_000, 2), {
      endpoint: `${kiln.url}/client/v4/accounts/${account.id}/stream`,
      headers: { Authorization: `Bearer ${account.apiToken}` },
      metadata: { name: 'too big' },
      retryDelays: [],
      onError: (err) => resolve(err as tus.DetailedError),
      onSuccess: () => reject(new Error('the upload should have been refused')),
    });
    up.start();
  });
  assert.equal(refused.originalResponse?.getStatus(), 403);
  assert.equal(JSON.parse(refused.originalResponse!.getBody()).errors[0].code, 10011);
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });
});

test('Uploadcare: AccountLimitsExceededError for the file count, FileSizeLimitExceededError for the size', async () => {
  const account = await kiln.createAccount();
  const sdk = {
    publicKey: account.uploadcare.publicKey,
    baseURL: `${kiln.url}/uploadcare`,
    baseCDN: kiln.url,
  };
  const code = (err: unknown) => (err instanceof UploadError ? err.code : String(err));
  await setLimits(account.id, { maxFileSize: 1000, maxFiles: 1 });
  await assert.rejects(
    uploadFile(Buffer.alloc(2000, 3), sdk),
    (err) => code(err) === 'FileSizeLimitExceededError',
  );
  await uploadFile(Buffer.from('one'), sdk);
  await assert.rejects(
    uploadFile(Buffer.from('two'), sdk),
    (err) => code(err) === 'AccountLimitsExceededError',
  );
  assert.equal((await leftovers(account.id)).rows, 1);
});

test("getstream: 413 for the file size, 403 for the file count, in Stream's error JSON", async () => {
  const account = await kiln.createAccount();
  const options = { urlOverride: { api: `${kiln.url}/api/` } };
  const server = connect(account.stream.apiKey, account.stream.apiSecret, undefined, options);
  const alice = connect(account.stream.apiKey, server.createUserToken('alice'), undefined, options);
  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('expected a refusal'),
      (err: { response?: { status: number }; error?: Record<string, unknown> }) => ({
        status: err.response?.status,
        body: err.error ?? {},
      }),
    );
  await setLimits(account.id, { maxFileSize: 1000, maxFiles: 1 });
  const big = await rejection(alice.files.upload(Buffer.alloc(5000, 4), 'big.txt'));
  assert.equal(big.status, 413);
  assert.equal(big.body.code, 18);
  assert.deepEqual(await leftovers(account.id), { rows: 0, blobs: [] });
  await alice.files.upload(Buffer.from('one'), 'one.txt');
  const more = await rejection(alice.images.upload(await quadrantPng(), 'q.png'));
  assert.equal(more.status, 403);
  assert.equal(more.body.exception, 'NotAllowedException');
  assert.equal((await leftovers(account.id)).rows, 1);
});
