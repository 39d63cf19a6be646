import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../../support/start-kiln.js';

// The tus protocol as both mounts speak it (Cloudflare Stream and /kiln/v1/uploads), over real
// HTTP: who may write to an upload URL, discovery, metadata, and what is not supported.
let kiln: TestKiln;
let owner: AccountCredentials;
let other: AccountCredentials;

before(async () => {
  kiln = await startKiln();
  owner = await kiln.createAccount('owner');
  other = await kiln.createAccount('other');
});
after(async () => {
  await kiln?.close();
});

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const bearer = (a: AccountCredentials) => ({ authorization: `Bearer ${a.apiToken}` });

async function createStream(query = '', headers: Record<string, string> = {}) {
  const res = await fetch(`${kiln.url}/client/v4/accounts/${owner.id}/stream${query}`, {
    method: 'POST',
    headers: { ...TUS, ...bearer(owner), 'upload-length': '10', ...headers },
  });
  assert.equal(res.status, 201, await res.text());
  return res.headers.get('location')!;
}

function patch(url: string, offset: number, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PATCH',
    headers: {
      ...TUS,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      ...headers,
    },
    body,
  });
}

async function offsetOf(url: string, headers: Record<string, string> = bearer(owner)) {
  const res = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...headers } });
  assert.equal(res.status, 200);
  return res.headers.get('upload-offset');
}

test('a Stream upload created with the API token needs that token for HEAD, PATCH and DELETE', async () => {
  const url = await createStream();
  const anonymous = await patch(url, 0, 'evil!');
  assert.equal(anonymous.status, 401);
  assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 401);
  assert.equal((await fetch(url, { method: 'DELETE', headers: TUS })).status, 401);
  assert.equal((await patch(url, 0, 'evil!', bearer(other))).status, 404, "another account's token");
  assert.equal(await offsetOf(url), '0', 'a refused PATCH moved the offset');
  const own = await patch(url, 0, 'hello', bearer(owner));
  assert.equal(own.status, 204);
  assert.equal(await offsetOf(url), '5');
});

test('a direct_user upload URL is a capability: it takes PATCHes without credentials', async () => {
  const url = await createStream('?direct_user=true');
  assert.equal((await patch(url, 0, 'hello')).status, 204);
  assert.equal(await offsetOf(url, {}), '5');
});

test('Kiln resumable uploads take no PATCH without the owner token', async () => {
  const created = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...bearer(owner), 'upload-length': '10' },
  });
  assert.equal(created.status, 201);
  const url = created.headers.get('location')!;
  assert.equal((await patch(url, 0, 'evil!')).status, 401);
  assert.equal((await patch(url, 0, 'evil!', bearer(other))).status, 404);
  assert.equal(await offsetOf(url), '0');
});

test('OPTIONS on the Stream endpoint advertises Tus-Version, Tus-Extension and Tus-Max-Size', async () => {
  const res = await fetch(`${kiln.url}/client/v4/accounts/${owner.id}/stream`, { method: 'OPTIONS' });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('tus-version'), '1.0.0');
  const extensions = res.headers.get('tus-extension')?.split(',') ?? [];
  for (const e of ['creation', 'creation-with-upload', 'termination', 'expiration'])
    assert.ok(extensions.includes(e), `Tus-Extension lacks ${e}: ${extensions}`);
  assert.equal(res.headers.get('tus-max-size'), String(30 * 1024 ** 3));
});

test('HEAD returns the Upload-Metadata the client sent, on both mounts', async () => {
  const sent = `name ${b64('clip.mp4')},filetype ${b64('video/mp4')},flag`;
  const stream = await createStream('', { 'upload-metadata': sent });
  const head = await fetch(stream, { method: 'HEAD', headers: { ...TUS, ...bearer(owner) } });
  assert.equal(head.headers.get('upload-metadata'), sent);

  const created = await fetch(`${kiln.url}/kiln/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...bearer(owner), 'upload-length': '10', 'upload-metadata': sent },
  });
  const kilnHead = await fetch(created.headers.get('location')!, {
    method: 'HEAD',
    headers: { ...TUS, ...bearer(owner) },
  });
  assert.equal(kilnHead.headers.get('upload-metadata'), sent);
});

test('Upload-Defer-Length is refused with an error that says it is not supported', async () => {
  const headers = { ...TUS, ...bearer(owner), 'upload-defer-length': '1' };
  const stream = await fetch(`${kiln.url}/client/v4/accounts/${owner.id}/stream`, {
    method: 'POST',
    headers,
  });
  assert.equal(stream.status, 400);
  const cf = (await stream.json()) as { success: boolean; errors: Array<{ message: string }> };
  assert.equal(cf.success, false);
  assert.match(cf.errors[0]!.message, /Upload-Defer-Length is not supported/);

  const native = await fetch(`${kiln.url}/kiln/v1/uploads`, { method: 'POST', headers });
  assert.equal(native.status, 400);
  assert.match(await native.text(), /Upload-Defer-Length is not supported/);
});

test("tus refusals on a Stream upload URL come in Cloudflare's envelope", async () => {
  const url = await createStream('?direct_user=true');
  const res = await patch(url, 3, 'late');
  assert.equal(res.status, 409);
  const cf = (await res.json()) as { success: boolean; errors: Array<{ code: number; message: string }> };
  assert.equal(cf.success, false);
  assert.match(cf.errors[0]!.message, /offset/i);
});
