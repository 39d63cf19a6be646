import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Cloudflare, { toFile } from 'cloudflare';
import { assertSimilar } from '../../../support/perceptual.js';
import { dimensions, get, type ImagesHarness, jpegFile, photo, startImages } from './images-harness.js';

let h: ImagesHarness;
let cups: Buffer;
let origin: Server;
let originUrl: string;

before(async () => {
  h = await startImages();
  cups = await photo('cups');
  origin = createServer((req, res) => {
    if (req.url === '/cups.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': cups.length });
      res.end(cups);
    } else if (req.url === '/notes.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('not an image');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
});
after(async () => {
  origin.close();
  await h.close();
});

const account_id = () => h.account.id;

test('upload a file with JSON metadata; get, list, blob and the public variant serve it', async () => {
  const image = await h.client.images.v1.create({
    account_id: account_id(),
    file: await jpegFile(cups, 'cups.jpg'),
    metadata: JSON.stringify({ album: 'kitchen', n: 3 }),
    creator: 'alice',
  });
  assert.match(image.id!, /^[0-9a-f-]{36}$/);
  assert.equal(image.filename, 'cups.jpg');
  assert.equal(image.creator, 'alice');
  assert.deepEqual(image.meta, { album: 'kitchen', n: 3 });
  assert.equal(image.requireSignedURLs, false);
  assert.ok(!Number.isNaN(Date.parse(image.uploaded!)));
  const publicUrl = `${h.kiln.url}/cdn/images/${h.account.imagesHash}/${image.id}/public`;
  assert.deepEqual(image.variants, [publicUrl]);

  const got = await h.client.images.v1.get(image.id!, { account_id: account_id() });
  assert.deepEqual(got, image);

  const blob = await h.client.images.v1.blobs.get(image.id!, { account_id: account_id() });
  assert.equal(blob.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), cups);

  const delivered = await get(publicUrl, { accept: 'image/jpeg' });
  assert.equal(delivered.status, 200);
  assert.deepEqual(await dimensions(delivered.body), { width: 800, height: 500, format: 'jpeg' });
  await assertSimilar(delivered.body, cups);

  const page = await h.client.images.v1.list({ account_id: account_id(), page: 1, per_page: 50 });
  const result = page.result as unknown as { images: Array<{ id: string }> };
  assert.ok(result.images.some((i) => i.id === image.id));
});

test('metadata as metadata[k] parts, custom id with slashes, edit and delete', async () => {
  const id = 'folder/sub dir/cups 100%.jpg';
  const image = await h.client.images.v1.create({
    account_id: account_id(),
    file: await jpegFile(cups),
    id,
    metadata: { owner: 'bob', tags: 'a' },
  });
  assert.equal(image.id, id);
  assert.deepEqual(image.meta, { owner: 'bob', tags: 'a' });
  assert.equal(
    image.variants![0],
    `${h.kiln.url}/cdn/images/${h.account.imagesHash}/folder/sub%20dir/cups%20100%25.jpg/public`,
  );
  const delivered = await get(image.variants![0]!);
  assert.equal(delivered.status, 200);
  await assertSimilar(delivered.body, cups);

  const got = await h.client.images.v1.get(id, { account_id: account_id() });
  assert.equal(got.id, id);
  const blob = await h.client.images.v1.blobs.get(id, { account_id: account_id() });
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), cups);

  const edited = await h.client.images.v1.edit(id, {
    account_id: account_id(),
    metadata: { owner: 'carol' },
    creator: 'dave',
  });
  assert.deepEqual(edited.meta, { owner: 'carol' });
  assert.equal(edited.creator, 'dave');

  const dup = await h.client.images.v1
    .create({ account_id: account_id(), file: await jpegFile(cups), id })
    .catch((e: unknown) => e);
  assert.ok(dup instanceof Cloudflare.ConflictError, String(dup));
  assert.equal(dup.headers?.get('x-should-retry'), 'false');

  const privateCustom = await h.client.images.v1
    .edit(id, { account_id: account_id(), requireSignedURLs: true })
    .catch((e: unknown) => e);
  assert.ok(privateCustom instanceof Cloudflare.BadRequestError);

  assert.deepEqual(await h.client.images.v1.delete(id, { account_id: account_id() }), {});
  const gone = await h.client.images.v1.get(id, { account_id: account_id() }).catch((e: unknown) => e);
  assert.ok(gone instanceof Cloudflare.NotFoundError, String(gone));
  assert.equal((await get(image.variants![0]!)).status, 404);
  // The id is free again.
  const again = await h.client.images.v1.create({ account_id: account_id(), file: await jpegFile(cups), id });
  assert.equal(again.id, id);
});

test('upload by url through the safe fetcher', async () => {
  const image = await h.client.images.v1.create({ account_id: account_id(), url: `${originUrl}/cups.jpg` });
  assert.equal(image.filename, 'cups.jpg');
  const blob = await h.client.images.v1.blobs.get(image.id!, { account_id: account_id() });
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), cups);

  const missing = await h.client.images.v1
    .create({ account_id: account_id(), url: `${originUrl}/nope.jpg` })
    .catch((e: unknown) => e);
  assert.ok(missing instanceof Cloudflare.BadRequestError, String(missing));
  const text = await h.client.images.v1
    .create({ account_id: account_id(), url: `${originUrl}/notes.txt` })
    .catch((e: unknown) => e);
  assert.ok(text instanceof Cloudflare.APIError && text.status === 415, String(text));
});

test('refusals: a non-image, no file, file and url, bad metadata, unknown image, bad credentials', async () => {
  const before = await h.client.images.v1.stats.get({ account_id: account_id() });
  const notImage = await h.client.images.v1
    .create({
      account_id: account_id(),
      file: await toFile(Buffer.from('hello, world'), 'a.txt', { type: 'text/plain' }),
    })
    .catch((e: unknown) => e);
  assert.ok(notImage instanceof Cloudflare.APIError && notImage.status === 415, String(notImage));
  assert.equal((notImage as InstanceType<typeof Cloudflare.APIError>).errors[0]?.code, 10059);
  const after = await h.client.images.v1.stats.get({ account_id: account_id() });
  assert.equal(after.count!.current, before.count!.current, 'nothing half-written');

  const none = await h.client.images.v1.create({ account_id: account_id() }).catch((e: unknown) => e);
  assert.ok(none instanceof Cloudflare.BadRequestError);
  const both = await h.client.images.v1
    .create({ account_id: account_id(), file: await jpegFile(cups), url: `${originUrl}/cups.jpg` })
    .catch((e: unknown) => e);
  assert.ok(both instanceof Cloudflare.BadRequestError);
  const badMeta = await h.client.images.v1
    .create({ account_id: account_id(), file: await jpegFile(cups), metadata: '[1,2' })
    .catch((e: unknown) => e);
  assert.ok(badMeta instanceof Cloudflare.BadRequestError);
  const custom = await h.client.images.v1
    .create({ account_id: account_id(), file: await jpegFile(cups), id: 'x/y', requireSignedURLs: true })
    .catch((e: unknown) => e);
  assert.ok(custom instanceof Cloudflare.BadRequestError);

  const missing = await h.client.images.v1
    .get('no-such-image', { account_id: account_id() })
    .catch((e: unknown) => e);
  assert.ok(missing instanceof Cloudflare.NotFoundError);
  const missingBlob = await h.client.images.v1.blobs
    .get('nope', { account_id: account_id() })
    .catch((e: unknown) => e);
  assert.ok(missingBlob instanceof Cloudflare.NotFoundError);

  const wrongToken = new Cloudflare({ apiToken: 'nope', baseURL: `${h.kiln.url}/client/v4`, maxRetries: 0 });
  const denied = await wrongToken.images.v1.stats.get({ account_id: account_id() }).catch((e: unknown) => e);
  assert.ok(denied instanceof Cloudflare.AuthenticationError);
  assert.equal((denied as InstanceType<typeof Cloudflare.APIError>).errors[0]?.code, 10000);
  const other = await h.kiln.createAccount();
  const foreign = await h.client.images.v1.stats.get({ account_id: other.id }).catch((e: unknown) => e);
  assert.ok(foreign instanceof Cloudflare.PermissionDeniedError);

  // The original page's X-Auth-Key + X-Auth-Email pair.
  const legacy = new Cloudflare({
    apiKey: h.account.apiToken,
    apiEmail: 'me@example.com',
    baseURL: `${h.kiln.url}/client/v4`,
    maxRetries: 0,
  });
  const stats = await legacy.images.v1.stats.get({ account_id: account_id() });
  assert.equal(stats.count!.allowed, 100000);
});

test('too large uploads are refused with 413 and leave nothing behind', async () => {
  const small = await startImages({ env: { KILN_MAX_UPLOAD_BYTES: String(64 * 1024) } });
  try {
    const big = await photo('path', 1600);
    assert.ok(big.length > 64 * 1024);
    const err = await small.client.images.v1
      .create({ account_id: small.account.id, file: await jpegFile(big) })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Cloudflare.APIError && err.status === 413, String(err));
    const stats = await small.client.images.v1.stats.get({ account_id: small.account.id });
    assert.equal(stats.count!.current, 0);
  } finally {
    await small.close();
  }
});
