import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { assertSimilar } from '../../../support/perceptual.js';
import { dimensions, get, type ImagesHarness, jpegFile, photo, startImages } from './images-harness.js';

let h: ImagesHarness;
let cups: Buffer;

before(async () => {
  h = await startImages();
  cups = await photo('cups');
});
after(() => h.close());

/** Cloudflare's documented construction (the Worker example): HMAC-SHA256 over pathname?query. */
function sign(deliveryUrl: string, key: string, exp: number): string {
  const url = new URL(deliveryUrl);
  url.searchParams.set('exp', String(exp));
  const stringToSign = url.pathname + '?' + url.searchParams.toString();
  const sig = createHmac('sha256', key).update(stringToSign).digest('hex');
  url.searchParams.set('sig', sig);
  return url.toString();
}

test('signing keys: a default exists, put creates and rotates, delete removes and re-creates default', async () => {
  const account_id = h.account.id;
  const first = await h.client.images.v1.keys.list({ account_id });
  assert.equal(first.keys!.length, 1);
  assert.equal(first.keys![0]!.name, 'default');
  assert.ok(first.keys![0]!.value!.length >= 20);
  assert.deepEqual((await h.client.images.v1.keys.list({ account_id })).keys, first.keys, 'stable');

  const added = await h.client.images.v1.keys.update('second', { account_id });
  assert.deepEqual(added.keys!.map((k) => k.name).sort(), ['default', 'second']);
  const rotated = await h.client.images.v1.keys.update('second', { account_id });
  const v1 = added.keys!.find((k) => k.name === 'second')!.value;
  const v2 = rotated.keys!.find((k) => k.name === 'second')!.value;
  assert.notEqual(v1, v2);

  const afterDelete = await h.client.images.v1.keys.delete('second', { account_id });
  assert.deepEqual(
    afterDelete.keys!.map((k) => k.name),
    ['default'],
  );
  const last = await h.client.images.v1.keys.delete('default', { account_id });
  assert.deepEqual(
    last.keys!.map((k) => k.name),
    ['default'],
  );
  assert.notEqual(last.keys![0]!.value, first.keys![0]!.value, 'a fresh default key');
  const missing = await h.client.images.v1.keys.delete('nope', { account_id }).catch((e: unknown) => e);
  assert.ok(missing instanceof Cloudflare.NotFoundError);
  const badName = await h.client.images.v1.keys
    .update('no spaces allowed here', { account_id })
    .catch((e: unknown) => e);
  assert.ok(badName instanceof Cloudflare.BadRequestError);
});

test('a private image is served only with a valid, unexpired signature; neverRequireSignedURLs variants stay public', async () => {
  const account_id = h.account.id;
  const image = await h.client.images.v1.create({
    account_id,
    file: await jpegFile(cups),
    requireSignedURLs: true,
  });
  assert.equal(image.requireSignedURLs, true);
  const publicUrl = image.variants!.find((u) => u.endsWith('/public'))!;

  const unsigned = await get(publicUrl);
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('cf-resized'), 'err=9425');

  const key = (await h.client.images.v1.keys.list({ account_id })).keys![0]!.value!;
  const now = Math.floor(Date.now() / 1000);
  const signed = await get(sign(publicUrl, key, now + 600), { accept: 'image/jpeg' });
  assert.equal(signed.status, 200);
  assert.deepEqual(await dimensions(signed.body), { width: 800, height: 500, format: 'jpeg' });
  await assertSimilar(signed.body, cups);
  assert.match(signed.headers.get('cache-control') ?? '', /private/);

  assert.equal((await get(sign(publicUrl, key, now - 10))).status, 403, 'expired');
  assert.equal((await get(sign(publicUrl, 'wrong-key', now + 600))).status, 403, 'wrong key');
  const tampered = sign(publicUrl, key, now + 600).replace(/exp=\d+/, `exp=${now + 6000}`);
  assert.equal((await get(tampered)).status, 403, 'tampered expiry');

  // A second key signs too; deleting it invalidates its signatures.
  const keys = await h.client.images.v1.keys.update('rotating', { account_id });
  const second = keys.keys!.find((k) => k.name === 'rotating')!.value!;
  const bySecond = sign(publicUrl, second, now + 600);
  assert.equal((await get(bySecond)).status, 200);
  await h.client.images.v1.keys.delete('rotating', { account_id });
  assert.equal((await get(bySecond)).status, 403);

  await h.client.images.v1.variants.create({
    account_id,
    id: 'preview',
    options: { fit: 'scale-down', width: 100, height: 100, metadata: 'none' },
    neverRequireSignedURLs: true,
  });
  const preview = await get(publicUrl.replace(/\/public$/, '/preview'), { accept: 'image/jpeg' });
  assert.equal(preview.status, 200);
  assert.deepEqual(await dimensions(preview.body), { width: 100, height: 63, format: 'jpeg' });

  // Through /cdn-cgi/image too: the source's signature rules apply.
  const source = new URL(sign(publicUrl, key, now + 600));
  const cgi = `${h.kiln.url}/cdn-cgi/image/w=50${source.pathname}${source.search}`;
  assert.equal((await get(cgi)).status, 200);
  assert.equal((await get(`${h.kiln.url}/cdn-cgi/image/w=50${source.pathname}`)).status, 403);

  // Made public again, it serves without a signature.
  await h.client.images.v1.edit(image.id!, { account_id, requireSignedURLs: false });
  assert.equal((await get(publicUrl)).status, 200);
});
