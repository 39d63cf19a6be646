import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Cloudflare from 'cloudflare';
import sharp from 'sharp';
import { assertSimilar } from '../../../support/perceptual.js';
import { dimensions, get, type ImagesHarness, jpegFile, photo, startImages } from './images-harness.js';

let h: ImagesHarness;
let cups: Buffer;
let imageId: string;
let base: string;

before(async () => {
  h = await startImages();
  cups = await photo('cups', 1600); // 1600x1000
  const image = await h.client.images.v1.create({ account_id: h.account.id, file: await jpegFile(cups) });
  imageId = image.id!;
  base = `${h.kiln.url}/cdn/images/${h.account.imagesHash}/${imageId}`;
});
after(() => h.close());

test('variants: create, list, get, edit, delete; every image lists and serves them', async () => {
  const account_id = h.account.id;
  const created = await h.client.images.v1.variants.create({
    account_id,
    id: 'thumb',
    options: { fit: 'cover', width: 200, height: 200, metadata: 'none' },
  });
  assert.deepEqual(created, {
    variant: {
      id: 'thumb',
      options: { fit: 'cover', width: 200, height: 200, metadata: 'none' },
      neverRequireSignedURLs: false,
    },
  });
  const list = await h.client.images.v1.variants.list({ account_id });
  assert.deepEqual(Object.keys(list.variants as object).sort(), ['public', 'thumb']);
  const got = await h.client.images.v1.variants.get('thumb', { account_id });
  assert.equal(got.variant!.options!.fit, 'cover');

  const image = await h.client.images.v1.get(imageId, { account_id });
  assert.deepEqual(image.variants!.sort(), [`${base}/public`, `${base}/thumb`]);
  for (const url of image.variants!) assert.equal((await get(url)).status, 200, url);

  const thumb = await get(`${base}/thumb`, { accept: 'image/jpeg' });
  assert.deepEqual(await dimensions(thumb.body), { width: 200, height: 200, format: 'jpeg' });
  const centre = await sharp(cups).resize(200, 200, { fit: 'cover' }).toBuffer();
  await assertSimilar(thumb.body, centre);

  const edited = await h.client.images.v1.variants.edit('thumb', {
    account_id,
    options: { fit: 'scale-down', width: 400, height: 400, metadata: 'none' },
  });
  assert.equal(edited.variant!.options!.width, 400);
  const resized = await get(`${base}/thumb`, { accept: 'image/jpeg' });
  assert.deepEqual(await dimensions(resized.body), { width: 400, height: 250, format: 'jpeg' });
  // The edited variant is a new cache entry: rendered once, then served from the variant cache.
  assert.equal(resized.headers.get('kiln-cache'), 'miss');
  const again = await get(`${base}/thumb`, { accept: 'image/jpeg' });
  assert.equal(again.headers.get('kiln-cache'), 'hit');
  assert.ok(again.body.equals(resized.body), 'the stored variant is what the miss sent from memory');

  const dup = await h.client.images.v1.variants
    .create({ account_id, id: 'thumb', options: { fit: 'cover', width: 1, height: 1, metadata: 'none' } })
    .catch((e: unknown) => e);
  assert.ok(dup instanceof Cloudflare.ConflictError);
  const bad = await h.client.images.v1.variants
    .create({
      account_id,
      id: 'x',
      options: { fit: 'squash' as 'cover', width: 1, height: 1, metadata: 'none' },
    })
    .catch((e: unknown) => e);
  assert.ok(bad instanceof Cloudflare.BadRequestError);

  assert.deepEqual(await h.client.images.v1.variants.delete('thumb', { account_id }), {});
  const gone = await h.client.images.v1.variants.get('thumb', { account_id }).catch((e: unknown) => e);
  assert.ok(gone instanceof Cloudflare.NotFoundError);
  const missing = await get(`${base}/thumb`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cf-resized'), 'err=9431');
});

test('format=auto negotiation on the public variant, with Vary: Accept and the right content', async () => {
  const avif = await get(`${base}/public`, { accept: 'image/avif,image/webp,*/*' });
  assert.equal(avif.headers.get('content-type'), 'image/avif');
  assert.match(avif.headers.get('vary') ?? '', /Accept/);
  const webp = await get(`${base}/public`, { accept: 'image/webp,*/*' });
  assert.equal(webp.headers.get('content-type'), 'image/webp');
  assert.deepEqual(await dimensions(webp.body), { width: 1600, height: 1000, format: 'webp' });
  await assertSimilar(webp.body, cups);
  const jpeg = await get(`${base}/public`);
  assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
  const etag = jpeg.headers.get('etag')!;
  assert.equal((await get(`${base}/public`, { 'if-none-match': etag })).status, 304);
});

test('the device-based default variant follows User-Agent and client hints', async () => {
  const big = await photo('path', 2560); // 2560x1600
  const image = await h.client.images.v1.create({ account_id: h.account.id, file: await jpegFile(big) });
  const url = `${h.kiln.url}/cdn/images/${h.account.imagesHash}/${image.id}`;
  const cases: Array<[Record<string, string>, number, number]> = [
    [{}, 2304, 1440],
    [{ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148' }, 1080, 675],
    [{ 'user-agent': 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)' }, 1728, 1080],
    [{ 'sec-ch-ua-mobile': '?1' }, 1080, 675],
  ];
  for (const [headers, width, height] of cases) {
    const res = await get(url, { accept: 'image/jpeg', ...headers });
    assert.equal(res.status, 200);
    assert.deepEqual(await dimensions(res.body), { width, height, format: 'jpeg' }, JSON.stringify(headers));
    assert.match(res.headers.get('vary') ?? '', /User-Agent/);
    await assertSimilar(res.body, big);
  }
  const named = await get(`${url}/default`, {
    accept: 'image/jpeg',
    'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile',
  });
  assert.deepEqual(await dimensions(named.body), { width: 1080, height: 675, format: 'jpeg' });
});

test('flexible variants are off until the account turns them on', async () => {
  const off = await get(`${base}/w=300,h=300,fit=cover`);
  assert.equal(off.status, 403);
  assert.equal(off.headers.get('cf-resized'), 'err=9429');
  assert.match(off.body.toString(), /not enabled/);

  const patch = (value: unknown) =>
    fetch(`${h.kiln.url}/client/v4/accounts/${h.account.id}/images/v1/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.account.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flexible_variants: value }),
    });
  const on = await patch(true);
  assert.equal(on.status, 200);
  assert.deepEqual(((await on.json()) as { result: unknown }).result, { flexible_variants: true });

  const flex = await get(`${base}/w=300,h=300,fit=cover,f=webp`);
  assert.equal(flex.status, 200);
  assert.deepEqual(await dimensions(flex.body), { width: 300, height: 300, format: 'webp' });
  const invalid = await get(`${base}/w=abc`);
  assert.equal(invalid.status, 400);
  assert.equal(invalid.headers.get('cf-resized'), 'err=9401');

  assert.equal((await patch('yes')).status, 400);
  await patch(false);
  assert.equal((await get(`${base}/w=301`)).status, 403);
});

test('/cdn-cgi/image/<options>/<source> transforms Kiln-served images only', async () => {
  const res = await get(
    `${h.kiln.url}/cdn-cgi/image/width=320,format=png/cdn/images/${h.account.imagesHash}/${imageId}/public`,
  );
  assert.equal(res.status, 200);
  assert.deepEqual(await dimensions(res.body), { width: 320, height: 200, format: 'png' });
  await assertSimilar(res.body, cups);
  const abs = await get(`${h.kiln.url}/cdn-cgi/image/w=100,f=jpeg/${base}/public`);
  assert.deepEqual(await dimensions(abs.body), { width: 100, height: 63, format: 'jpeg' });

  // A named variant is the source: the options transform its result (a square), not the original,
  // and its own format settings (auto) carry over unless a format is asked.
  await h.client.images.v1.variants.create({
    account_id: h.account.id,
    id: 'square',
    options: { fit: 'cover', width: 300, height: 300, metadata: 'none' },
  });
  const onVariant = await get(`${h.kiln.url}/cdn-cgi/image/width=250/${base}/square`, {
    accept: 'image/webp,*/*',
  });
  assert.deepEqual(await dimensions(onVariant.body), { width: 250, height: 250, format: 'webp' });
  // Compared with the same crop encoded the same way: lossy WebP against JPEG alone differs by ~8 MAD.
  const square = await sharp(cups).resize(250, 250, { fit: 'cover' }).webp({ quality: 85 }).toBuffer();
  await assertSimilar(onVariant.body, square);
  const asPng = await get(`${h.kiln.url}/cdn-cgi/image/width=100,format=png/${base}/square`);
  assert.deepEqual(await dimensions(asPng.body), { width: 100, height: 100, format: 'png' });
  const onOriginal = await get(`${h.kiln.url}/cdn-cgi/image/width=100/${base}`);
  assert.deepEqual(await dimensions(onOriginal.body), { width: 100, height: 63, format: 'jpeg' });

  const remote = await get(`${h.kiln.url}/cdn-cgi/image/w=100/https://example.com/cat.jpg`);
  assert.equal(remote.status, 403);
  assert.equal(remote.headers.get('cf-resized'), 'err=9401');
  const unknownOption = await get(
    `${h.kiln.url}/cdn-cgi/image/wobble=1/cdn/images/${h.account.imagesHash}/${imageId}/public`,
  );
  assert.equal(unknownOption.status, 400);
  assert.equal(unknownOption.headers.get('cf-resized'), 'err=9401');
  const missing = await get(
    `${h.kiln.url}/cdn-cgi/image/w=100/cdn/images/${h.account.imagesHash}/nope/public`,
  );
  assert.equal(missing.status, 404);
  assert.ok(missing.headers.get('cf-resized'));
});
