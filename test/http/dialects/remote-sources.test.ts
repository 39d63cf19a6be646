import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'getstream';
import sharp from 'sharp';
import type { AccountCredentials } from '../../../src/core/accounts/account.js';
import { startLoopbackOrigin } from '../../support/loopback-origin.js';
import { assertSimilar } from '../../support/perceptual.js';
import { startKiln, type TestKiln } from '../../support/start-kiln.js';
import { fixturePhoto } from '../../support/test-images.js';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Remote and same-zone sources in the Cloudflare and Uploadcare dialects. */
describe('remote and same-zone image sources', () => {
  let origin: Awaited<ReturnType<typeof startLoopbackOrigin>>;
  let kiln: TestKiln;
  let account: AccountCredentials;
  let photo: Buffer;

  before(async () => {
    photo = await sharp(fixturePhoto('cups')).resize(800).jpeg({ quality: 90 }).toBuffer();
    origin = await startLoopbackOrigin();
    origin.set('/img/photo.jpg', { body: photo, cacheControl: 'max-age=600' });
    origin.set('/img/page.jpg', { body: Buffer.from('<html></html>'), contentType: 'text/html' });
    origin.set('/img/missing.jpg', { body: photo, status: 404 });
    kiln = await startKiln({
      env: { KILN_ALLOW_PRIVATE_FETCH: '1', KILN_IMAGE_SOURCES: `${origin.url}/img/` },
    });
    account = await kiln.createAccount();
  });
  after(async () => {
    kiln.server.app?.server.closeAllConnections();
    await kiln?.close();
    await origin?.close();
  });

  it('Cloudflare /cdn-cgi/image/<options>/<remote URL> transforms allowed remote images, once fetched', async () => {
    for (const w of [100, 150]) {
      const res = await get(`${kiln.url}/cdn-cgi/image/width=${w},format=png/${origin.url}/img/photo.jpg`);
      assert.equal(res.status, 200, res.body.toString());
      assert.equal((await sharp(res.body).metadata()).width, w);
    }
    const res = await get(`${kiln.url}/cdn-cgi/image/width=100,format=png/${origin.url}/img/photo.jpg`);
    await assertSimilar(res.body, await sharp(photo).resize(100).png().toBuffer());
    assert.equal(origin.hits('/img/photo.jpg'), 1);
  });

  it("answers Cloudflare's codes for refused remote sources", async () => {
    const other = await get(`${kiln.url}/cdn-cgi/image/width=10/${origin.url}/other/photo.jpg`);
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('cf-resized'), 'err=9401');
    assert.equal(origin.hits('/other/photo.jpg'), 0);
    const page = await get(`${kiln.url}/cdn-cgi/image/width=10/${origin.url}/img/page.jpg`);
    assert.equal(page.headers.get('cf-resized'), 'err=9412');
    const missing = await get(`${kiln.url}/cdn-cgi/image/width=10/${origin.url}/img/missing.jpg`);
    assert.deepEqual([missing.status, missing.headers.get('cf-resized')], [404, 'err=9404']);
  });

  it('Uploadcare proxy: /uploadcare-proxy/<public key>/[-/op/…/]<source URL>', async () => {
    const base = `${kiln.url}/uploadcare-proxy/${account.uploadcare.publicKey}`;
    const res = await get(`${base}/-/resize/120x/-/format/png/${origin.url}/img/photo.jpg`);
    assert.equal(res.status, 200, res.body.toString());
    const m = await sharp(res.body).metadata();
    assert.deepEqual([m.width, m.format], [120, 'png']);
    const plain = await get(`${base}/${origin.url}/img/photo.jpg`);
    assert.equal(plain.status, 200);
    assert.equal((await get(`${base}/${origin.url}/other/x.jpg`)).status, 403);
    assert.equal((await get(`${kiln.url}/uploadcare-proxy/nokey/${origin.url}/img/photo.jpg`)).status, 404);
  });

  it('same-zone: an Uploadcare CDN path (with its own -/op/ chain) is a /cdn-cgi/image/ source', async () => {
    const form = new FormData();
    form.set('UPLOADCARE_PUB_KEY', account.uploadcare.publicKey);
    form.set('UPLOADCARE_STORE', '1');
    form.set('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'cups.jpg');
    const up = await fetch(`${kiln.url}/uploadcare/base/`, { method: 'POST', body: form });
    assert.equal(up.status, 200);
    const uuid = ((await up.json()) as { file: string }).file;
    const res = await get(`${kiln.url}/cdn-cgi/image/width=200,format=png/${uuid}/`);
    assert.equal(res.status, 200, res.body.toString());
    await assertSimilar(res.body, await sharp(photo).resize(200).png().toBuffer());
    const chained = await get(
      `${kiln.url}/cdn-cgi/image/width=100,format=png/${kiln.url}/${uuid}/-/grayscale/`,
    );
    assert.equal(chained.status, 200, chained.body.toString());
    const gray = await sharp(photo).resize(100).grayscale().png().toBuffer();
    await assertSimilar(chained.body, gray);
    const nope = await get(`${kiln.url}/cdn-cgi/image/width=10/00000000-0000-4000-8000-000000000000/`);
    assert.equal(nope.status, 404);
  });

  it('same-zone: signed getstream CDN links (and their processed variants) are /cdn-cgi/image/ sources', async () => {
    const options = { urlOverride: { api: `${kiln.url}/api/` } };
    const server = connect(account.stream.apiKey, account.stream.apiSecret, undefined, options);
    const alice = connect(account.stream.apiKey, server.createUserToken('alice'), undefined, options);
    const { file } = await alice.images.upload(photo, 'cups.jpg', 'image/jpeg');
    const res = await get(`${kiln.url}/cdn-cgi/image/width=160,format=png/${file}`);
    assert.equal(res.status, 200, res.body.toString());
    await assertSimilar(res.body, await sharp(photo).resize(160).png().toBuffer());
    const processed = await alice.images.process(file, { w: 200, h: 200, resize: 'crop' });
    const onVariant = await get(`${kiln.url}/cdn-cgi/image/width=100,format=png/${processed.file}`);
    assert.equal(onVariant.status, 200, onVariant.body.toString());
    const m = await sharp(onVariant.body).metadata();
    assert.deepEqual([m.width, m.height], [100, 100]);
    const tampered = await get(
      `${kiln.url}/cdn-cgi/image/width=100/${file.replace('Signature=', 'Signature=x')}`,
    );
    assert.equal(tampered.status, 403);
  });

  it("Kiln's API: remote sources enabled, a remote preview for the dashboard", async () => {
    const auth = { authorization: `Bearer ${account.apiToken}` };
    const state = await fetch(`${kiln.url}/kiln/v1/image-sources`, { headers: auth });
    assert.deepEqual(await state.json(), { enabled: true });
    const q = new URLSearchParams({ url: `${origin.url}/img/photo.jpg`, options: 'width=90,format=png' });
    const res = await get(`${kiln.url}/kiln/v1/image-sources/image?${q}`, auth);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal((await sharp(res.body).metadata()).width, 90);
    const denied = new URLSearchParams({ url: `${origin.url}/other/photo.jpg` });
    assert.equal((await get(`${kiln.url}/kiln/v1/image-sources/image?${denied}`, auth)).status, 403);
    assert.equal((await get(`${kiln.url}/kiln/v1/image-sources/image?${q}`)).status, 401);
  });
});

describe('remote source store bound', () => {
  it('evicts least recently used sources by a job once over KILN_IMAGE_SOURCE_STORE_MB', async () => {
    const photo = await sharp(fixturePhoto('cups')).resize(800).jpeg({ quality: 95 }).toBuffer();
    const origin = await startLoopbackOrigin();
    origin.set('/img/p.jpg', { body: photo, cacheControl: 'max-age=600' });
    const kiln = await startKiln({
      env: {
        KILN_ALLOW_PRIVATE_FETCH: '1',
        KILN_IMAGE_SOURCES: `${origin.url}/img/`,
        KILN_IMAGE_SOURCE_STORE_MB: '1',
        KILN_VARIANT_EVICTION_DELAY_SECONDS: '1',
      },
    });
    try {
      const count = Math.ceil((1.5 * 1024 * 1024) / photo.length);
      for (let i = 0; i < count; i++) {
        const res = await get(`${kiln.url}/cdn-cgi/image/width=40/${origin.url}/img/p.jpg?n=${i}`);
        assert.equal(res.status, 200);
      }
      const total = async () => {
        const row = await kiln.server.runtime.db
          .selectFrom('image_sources')
          .select((eb) => eb.fn.sum<number | string>('size').as('bytes'))
          .executeTakeFirst();
        return Number(row?.bytes ?? 0);
      };
      assert.ok((await total()) > 1024 * 1024);
      const deadline = Date.now() + 20_000;
      while ((await total()) > 1024 * 1024) {
        assert.ok(Date.now() < deadline, 'eviction did not run');
        await new Promise((r) => setTimeout(r, 250));
      }
      // The most recent source survived; the oldest is fetched again.
      const before = origin.hits('/img/p.jpg');
      await get(`${kiln.url}/cdn-cgi/image/width=41/${origin.url}/img/p.jpg?n=${count - 1}`);
      assert.equal(origin.hits('/img/p.jpg'), before);
      await get(`${kiln.url}/cdn-cgi/image/width=41/${origin.url}/img/p.jpg?n=0`);
      assert.equal(origin.hits('/img/p.jpg'), before + 1);
    } finally {
      kiln.server.app?.server.closeAllConnections();
      await kiln.close();
      await origin.close();
    }
  });
});
