/**
 * The delivery caches (resolution in memory, hot bytes in memory) never change an answer: a delete,
 * an edit, a key rotation or an access change on this node is seen by the very next request, the
 * signature is checked on every request, and another node sees a change within its resolution TTL.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { uploadDirect } from '@uploadcare/upload-client';
import { startKiln, type TestKiln } from '../../support/start-kiln.js';
import {
  get,
  type ImagesHarness,
  jpegFile,
  photo,
  startImages,
} from '../dialects/cloudflare-images/images-harness.js';
import { fetchBytes, smallPhoto, startUc, type UcHarness } from '../dialects/uploadcare/uc-harness.js';

let h: ImagesHarness;
let cups: Buffer;

before(async () => {
  h = await startImages();
  cups = await photo('cups', 400);
});
after(() => h.close());

function sign(deliveryUrl: string, key: string, exp: number): string {
  const url = new URL(deliveryUrl);
  url.searchParams.set('exp', String(exp));
  const sig = createHmac('sha256', key).update(`${url.pathname}?${url.searchParams}`).digest('hex');
  url.searchParams.set('sig', sig);
  return url.toString();
}

const runtime = () => h.kiln.server.runtime;

test('a hot Cloudflare hit comes from memory, with the same bytes and headers as the first answer', async () => {
  const account_id = h.account.id;
  const image = await h.client.images.v1.create({ account_id, file: await jpegFile(cups) });
  const url = image.variants!.find((u) => u.endsWith('/public'))!;
  const first = await get(url, { accept: 'image/jpeg' });
  assert.equal(first.status, 200);
  const hits = runtime().hot.hits;
  const second = await get(url, { accept: 'image/jpeg' });
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('kiln-cache'), 'hit');
  assert.ok(runtime().hot.hits > hits, 'answered from memory');
  assert.deepEqual(second.body, first.body);
  for (const name of ['etag', 'last-modified', 'content-type', 'cache-control', 'x-content-type-options']) {
    assert.equal(second.headers.get(name), first.headers.get(name), name);
  }
  assert.match(second.headers.get('content-security-policy') ?? '', /sandbox/);
  const etag = second.headers.get('etag')!;
  assert.equal((await get(url, { 'if-none-match': etag, accept: 'image/jpeg' })).status, 304);
  const range = await get(url, { range: 'bytes=0-9', accept: 'image/jpeg' });
  assert.equal(range.status, 206);
  assert.deepEqual(range.body, first.body.subarray(0, 10));
  assert.ok(runtime().hot.size <= runtime().hot.maxBytes);
});

test('access changes, key rotation and deletion are seen by the next request', async () => {
  const account_id = h.account.id;
  const image = await h.client.images.v1.create({ account_id, file: await jpegFile(cups) });
  const url = image.variants!.find((u) => u.endsWith('/public'))!;
  assert.equal((await get(url)).status, 200);
  assert.equal((await get(url)).status, 200);

  // Made private: the cached resolution must not keep it public.
  await h.client.images.v1.edit(image.id!, { account_id, requireSignedURLs: true });
  assert.equal((await get(url)).status, 403);
  const now = Math.floor(Date.now() / 1000);
  const keys = await h.client.images.v1.keys.update('hot', { account_id });
  const key = keys.keys!.find((k) => k.name === 'hot')!.value!;
  const signed = sign(url, key, now + 600);
  assert.equal((await get(signed)).status, 200);
  assert.equal((await get(signed)).status, 200);
  // Signatures are checked on every request, cached or not.
  assert.equal((await get(signed.replace(/sig=[0-9a-f]{4}/, 'sig=0000'))).status, 403);
  assert.equal((await get(sign(url, key, now - 5))).status, 403, 'expired');

  // Rotating the key: links signed with the old value stop working at once.
  await h.client.images.v1.keys.update('hot', { account_id });
  assert.equal((await get(signed)).status, 403);

  await h.client.images.v1.edit(image.id!, { account_id, requireSignedURLs: false });
  assert.equal((await get(url)).status, 200);

  // A named variant redefined: the next answer follows the new definition.
  await h.client.images.v1.variants.create({
    account_id,
    id: 'thumb',
    options: { fit: 'scale-down', width: 50, height: 50, metadata: 'none' },
  });
  const thumbUrl = url.replace(/\/public$/, '/thumb');
  const small = await get(thumbUrl, { accept: 'image/jpeg' });
  assert.equal(small.status, 200);
  await h.client.images.v1.variants.edit('thumb', {
    account_id,
    options: { fit: 'scale-down', width: 80, height: 80, metadata: 'none' },
  });
  const larger = await get(thumbUrl, { accept: 'image/jpeg' });
  assert.ok(larger.body.length > small.body.length, 'rendered at the new size');

  await h.client.images.v1.delete(image.id!, { account_id });
  assert.equal((await get(url)).status, 404);
  assert.equal((await get(thumbUrl)).status, 404);
});

test('another node sees a delete within its resolution TTL', async () => {
  const other: TestKiln = await startKiln({
    sharedWith: h.kiln,
    env: { KILN_DELIVERY_RESOLVE_TTL_SECONDS: '1' },
  });
  try {
    const account_id = h.account.id;
    const image = await h.client.images.v1.create({ account_id, file: await jpegFile(cups) });
    const path = new URL(image.variants!.find((u) => u.endsWith('/public'))!).pathname;
    assert.equal((await get(`${other.url}${path}`)).status, 200);
    assert.equal((await get(`${other.url}${path}`)).status, 200);
    await h.client.images.v1.delete(image.id!, { account_id });
    assert.equal((await get(`${h.kiln.url}${path}`)).status, 404, 'this node: at once');
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await get(`${other.url}${path}`)).status, 404, 'the other node: within the TTL');
  } finally {
    other.server.app?.server.closeAllConnections();
    await other.close();
  }
});

test('Uploadcare CDN and signed file links: originals from memory, gone after a delete', async () => {
  const uc: UcHarness = await startUc();
  try {
    const bytes = await smallPhoto();
    const file = await uploadDirect(bytes, { ...uc.sdk, fileName: 'p.jpg', store: true });
    const cdn = `${uc.kiln.url}/${file.uuid}/`;
    const rt = uc.kiln.server.runtime;
    const first = await fetchBytes(cdn);
    assert.equal(first.res.status, 200);
    assert.deepEqual(first.body, bytes);
    const hits = rt.hot.hits;
    const second = await fetchBytes(cdn);
    assert.deepEqual(second.body, bytes);
    assert.ok(rt.hot.hits > hits, 'the original came from memory');
    assert.equal(second.res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(second.res.headers.get('etag'), first.res.headers.get('etag'));

    const asset = (await rt.assets.findAnyAccount(file.uuid))!;
    await rt.assets.softDelete(asset.accountId, asset.id);
    assert.equal((await fetchBytes(cdn)).res.status, 404);
  } finally {
    uc.kiln.server.app?.server.closeAllConnections();
    await uc.kiln.close();
  }
});
