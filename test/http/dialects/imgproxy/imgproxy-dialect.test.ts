import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateImageUrl } from '@imgproxy/imgproxy-node';
import sharp from 'sharp';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { startLoopbackOrigin } from '../../../support/loopback-origin.js';
import { assertNotSimilar, assertSimilar } from '../../../support/perceptual.js';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { fixturePhoto } from '../../../support/test-images.js';

type Origin = Awaited<ReturnType<typeof startLoopbackOrigin>>;
type Options = Parameters<typeof generateImageUrl>[0]['options'];

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
const meta = (b: Buffer) => sharp(b).metadata();

describe('imgproxy dialect through @imgproxy/imgproxy-node', () => {
  let origin: Origin;
  let kiln: TestKiln;
  let account: AccountCredentials;
  let photo: Buffer;
  let other: Buffer;
  let localId: string;

  const link = (source: string, options: Options = {}, plain = false, sign = true) =>
    generateImageUrl({
      endpoint: `${kiln.url}/imgproxy/${account.id}`,
      url: plain ? { value: source, displayAs: 'plain' } : source,
      options,
      ...(sign && { key: account.imgproxy.key, salt: account.imgproxy.salt }),
    });
  const remote = (path: string) => `${origin.url}/img/${path}`;

  before(async () => {
    photo = await sharp(fixturePhoto('cups')).resize(800).jpeg({ quality: 90 }).toBuffer();
    other = await sharp(fixturePhoto('path'))
      .resize(800, 500, { fit: 'cover' })
      .jpeg({ quality: 90 })
      .toBuffer();
    origin = await startLoopbackOrigin();
    kiln = await startKiln({
      env: {
        KILN_ALLOW_PRIVATE_FETCH: '1',
        KILN_IMAGE_SOURCES: `${origin.url}/img/`,
        KILN_IMAGE_SOURCE_MAX_MB: '1',
        KILN_IMAGE_SOURCE_TIMEOUT_SECONDS: '2',
        KILN_IMGPROXY_PRESETS: 'thumb=rs:fill:64:64/f:png',
      },
    });
    account = await kiln.createAccount();
    const up = await fetch(`${kiln.url}/kiln/v1/assets?name=cups.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.apiToken}`, 'content-type': 'image/jpeg' },
      body: new Uint8Array(photo),
    });
    assert.equal(up.status, 201);
    localId = ((await up.json()) as { id: string }).id;
    origin.set('/img/photo.jpg', { body: photo, cacheControl: 'public, max-age=3600' });
  });
  after(async () => {
    kiln.server.app?.server.closeAllConnections();
    await kiln?.close();
    await origin?.close();
  });

  it('creates accounts with an imgproxy key and salt in hex', () => {
    assert.match(account.imgproxy.key, /^[0-9a-f]{64}$/);
    assert.match(account.imgproxy.salt, /^[0-9a-f]{64}$/);
  });

  it("transforms Kiln's own images by local:///<asset id>", async () => {
    const res = await get(
      link(`local:///${localId}`, { resize: { resizing_type: 'fill', width: 200, height: 100 } }),
    );
    assert.equal(res.status, 200, res.body.toString());
    const m = await meta(res.body);
    assert.deepEqual([m.width, m.height], [200, 100]);
    await assertSimilar(res.body, await sharp(photo).resize(200, 100, { fit: 'cover' }).toBuffer());
    const plain = await get(link(`local:///${localId}`, { width: 100 }, true));
    assert.equal(plain.status, 200);
    assert.equal((await meta(plain.body)).width, 100);
    assert.equal((await get(link('local:///nope', { width: 10 }))).status, 404);
  });

  it('fetches a remote source once for many transforms (base64 and plain forms)', async () => {
    const widths = [100, 120, 140, 160];
    for (const w of widths) {
      const res = await get(link(remote('photo.jpg'), { width: w, format: 'jpg' }, w % 40 === 0));
      assert.equal(res.status, 200, res.body.toString());
      assert.equal((await meta(res.body)).width, w);
    }
    assert.equal(origin.hits('/img/photo.jpg'), 1);
    const again = await get(link(remote('photo.jpg'), { width: 100, format: 'jpg' }));
    assert.equal(again.headers.get('kiln-cache'), 'hit');
  });

  it('revalidates a stale source with a conditional request; a 304 keeps the cache and its results', async () => {
    origin.set('/img/reval.jpg', { body: photo, cacheControl: 'no-cache' });
    const first = await get(link(remote('reval.jpg'), { width: 90 }));
    assert.equal(first.status, 200);
    const second = await get(link(remote('reval.jpg'), { width: 90 }));
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('kiln-cache'), 'hit');
    assert.equal(origin.hits('/img/reval.jpg'), 2);
    assert.equal(origin.notModified('/img/reval.jpg'), 1);
  });

  it('gives new results when the origin image changes', async () => {
    origin.set('/img/change.jpg', { body: photo, cacheControl: 'no-cache' });
    const before = await get(link(remote('change.jpg'), { width: 200, format: 'png' }));
    origin.set('/img/change.jpg', { body: other, cacheControl: 'no-cache' });
    const after = await get(link(remote('change.jpg'), { width: 200, format: 'png' }));
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get('etag'), before.headers.get('etag'));
    await assertNotSimilar(after.body, before.body);
    await assertSimilar(after.body, await sharp(other).resize(200).png().toBuffer());
  });

  it('fetches once for concurrent requests (single-flight)', async () => {
    origin.set('/img/slow.jpg', { body: photo, delayMs: 300 });
    const results = await Promise.all(
      [50, 60, 70, 80, 90].map((w) => get(link(remote('slow.jpg'), { width: w }))),
    );
    for (const r of results) assert.equal(r.status, 200);
    assert.equal(origin.hits('/img/slow.jpg'), 1);
  });

  it('follows redirects within the limits', async () => {
    origin.set('/img/moved.jpg', { body: Buffer.alloc(0), redirect: '/img/photo.jpg' });
    const res = await get(link(remote('moved.jpg'), { width: 64 }));
    assert.equal(res.status, 200);
  });

  it("refuses with imgproxy's errors: not allowed, too big, too slow, not an image, origin error", async () => {
    const notAllowed = await get(link(`${origin.url}/secret/photo.jpg`, { width: 10 }));
    assert.deepEqual([notAllowed.status, notAllowed.body.toString()], [404, 'Invalid source URL']);
    assert.equal(origin.hits('/secret/photo.jpg'), 0);

    origin.set('/img/big.jpg', { body: Buffer.concat([photo, Buffer.alloc(1024 * 1024 + 1)]) });
    assert.equal((await get(link(remote('big.jpg'), { width: 10 }))).status, 422);

    origin.set('/img/stall.jpg', { body: photo, stall: true });
    const t0 = Date.now();
    const stalled = await get(link(remote('stall.jpg'), { width: 10 }));
    assert.deepEqual([stalled.status, stalled.body.toString()], [404, 'Source image is unreachable']);
    assert.ok(Date.now() - t0 < 8000);

    origin.set('/img/page.jpg', { body: Buffer.from('<html>hello</html>'), contentType: 'text/html' });
    const page = await get(link(remote('page.jpg'), { width: 10 }));
    assert.deepEqual([page.status, page.body.toString()], [422, 'Invalid source image']);

    origin.set('/img/broken.jpg', { body: photo, status: 500 });
    const broken = await get(link(remote('broken.jpg'), { width: 10 }));
    assert.equal(broken.status, 404);
    // Failures are remembered briefly: no second origin request.
    await get(link(remote('broken.jpg'), { width: 11 }));
    assert.equal(origin.hits('/img/broken.jpg'), 1);
  });

  it('checks signatures (403), refuses insecure URLs unless allowed, expires (404), Pro options (404)', async () => {
    const good = link(remote('photo.jpg'), { width: 10 });
    const bad = good.replace(`/imgproxy/${account.id}/`, `/imgproxy/${account.id}/AAAA`);
    assert.deepEqual([(await get(bad)).status, (await get(bad)).body.toString()], [403, 'Forbidden']);
    assert.equal((await get(link(remote('photo.jpg'), { width: 10 }, false, false))).status, 403);
    const expired = await get(
      link(remote('photo.jpg'), { width: 10, expires: Math.floor(Date.now() / 1000) - 5 }),
    );
    assert.deepEqual([expired.status, expired.body.toString()], [404, 'Expired URL']);
    const pro = await get(link(remote('photo.jpg'), { watermark: { opacity: 0.5 } }));
    assert.deepEqual([pro.status, pro.body.toString()], [404, 'Invalid URL']);
  });

  it('negotiates WebP/AVIF from Accept when no format is given, with Vary: Accept', async () => {
    const webp = await get(link(remote('photo.jpg'), { width: 50 }), { accept: 'image/webp,*/*' });
    assert.equal(webp.headers.get('content-type'), 'image/webp');
    assert.match(webp.headers.get('vary') ?? '', /Accept/);
    const avif = await get(link(remote('photo.jpg'), { width: 50 }), { accept: 'image/avif,image/webp' });
    assert.equal(avif.headers.get('content-type'), 'image/avif');
    const fixed = await get(link(remote('photo.jpg'), { width: 50, format: 'png' }), {
      accept: 'image/webp',
    });
    assert.equal(fixed.headers.get('content-type'), 'image/png');
    assert.doesNotMatch(fixed.headers.get('vary') ?? '', /Accept/);
  });

  it('filename and return_attachment set Content-Disposition; presets apply', async () => {
    const att = await get(
      link(remote('photo.jpg'), {
        width: 20,
        format: 'png',
        filename: { name: 'cat' },
        return_attachment: 1,
      }),
    );
    assert.equal(att.headers.get('content-disposition'), 'attachment; filename="cat.png"');
    const inline = await get(link(remote('photo.jpg'), { width: 20, format: 'jpg' }));
    assert.equal(inline.headers.get('content-disposition'), 'inline; filename="photo.jpg"');
    const preset = await get(link(remote('photo.jpg'), { preset: ['thumb'] }));
    const m = await meta(preset.body);
    assert.deepEqual([m.width, m.height, m.format], [64, 64, 'png']);
  });

  // Each option through the official builder, checked by size and against sharp doing the same.
  const cases: Array<[string, Options, (body: Buffer) => Promise<void>]> = [
    [
      'resize fit',
      { resize: { resizing_type: 'fit', width: 200, height: 200 } },
      async (b) => {
        assert.deepEqual(await dims(b), [200, 125]);
      },
    ],
    [
      'size + enlarge',
      { size: { width: 1000, height: 1000, enlarge: 1 } },
      async (b) => {
        assert.deepEqual(await dims(b), [1000, 625]);
      },
    ],
    [
      'force',
      { resizing_type: 'force', width: 100, height: 100 },
      async (b) => {
        assert.deepEqual(await dims(b), [100, 100]);
        await assertSimilar(b, await sharp(photo).resize(100, 100, { fit: 'fill' }).toBuffer());
      },
    ],
    [
      'fill-down',
      { resizing_type: 'fill-down', width: 100, height: 100 },
      async (b) => {
        assert.deepEqual(await dims(b), [100, 100]);
      },
    ],
    [
      'width/height',
      { width: 150, height: 40, resizing_type: 'fill' },
      async (b) => {
        assert.deepEqual(await dims(b), [150, 40]);
      },
    ],
    [
      'min-width/min-height',
      { width: 100, min_width: 200, min_height: 200 },
      async (b) => {
        assert.deepEqual(await dims(b), [320, 200]);
      },
    ],
    ['zoom', { width: 100, zoom: 2 }, async (b) => assert.deepEqual(await dims(b), [200, 125])],
    ['dpr', { width: 100, dpr: 3 }, async (b) => assert.deepEqual(await dims(b), [300, 188])],
    [
      'extend + gravity',
      {
        width: 200,
        height: 200,
        extend: { extend: 1, gravity: { type: 'no' } },
        background: 'ff0000',
        format: 'png',
      },
      async (b) => {
        assert.deepEqual(await dims(b), [200, 200]);
        const px = await sharp(b).extract({ left: 100, top: 190, width: 1, height: 1 }).raw().toBuffer();
        assert.deepEqual([...px.subarray(0, 3)], [255, 0, 0]);
      },
    ],
    [
      'gravity with offsets',
      { width: 100, height: 100, resizing_type: 'fill', gravity: { type: 'we', x_offset: 0, y_offset: 0 } },
      async (b) => {
        await assertSimilar(
          b,
          await sharp(photo).resize(100, 100, { fit: 'cover', position: 'left' }).toBuffer(),
        );
      },
    ],
    [
      'gravity sm',
      { width: 100, height: 100, resizing_type: 'fill', gravity: { type: 'sm' } },
      async (b) => {
        await assertSimilar(
          b,
          await sharp(photo).resize(100, 100, { fit: 'cover', position: 'attention' }).toBuffer(),
        );
      },
    ],
    [
      'gravity fp',
      { width: 100, height: 100, resizing_type: 'fill', gravity: { type: 'fp', x: 0, y: 0.5 } },
      async (b) => {
        await assertSimilar(
          b,
          await sharp(photo).resize(100, 100, { fit: 'cover', position: 'left' }).toBuffer(),
        );
      },
    ],
    [
      'crop',
      { crop: { width: 200, height: 100, gravity: { type: 'nowe' } } },
      async (b) => {
        await assertSimilar(
          b,
          await sharp(photo).extract({ left: 0, top: 0, width: 200, height: 100 }).toBuffer(),
        );
      },
    ],
    [
      'trim',
      { trim: { threshold: 10 }, format: 'png' },
      async (b) => {
        assert.ok((await dims(b))[0]! <= 800);
      },
    ],
    [
      'padding',
      {
        width: 100,
        padding: { top: 10, right: 20, bottom: 10, left: 20 },
        background: { r: 0, g: 0, b: 255 },
        format: 'png',
      },
      async (b) => {
        assert.deepEqual(await dims(b), [140, 83]);
        const px = await sharp(b).extract({ left: 2, top: 2, width: 1, height: 1 }).raw().toBuffer();
        assert.deepEqual([...px.subarray(0, 3)], [0, 0, 255]);
      },
    ],
    [
      'rotate',
      { width: 100, rotate: 90 },
      async (b) => {
        assert.deepEqual(await dims(b), [100, 160]);
        await assertSimilar(b, await sharp(photo).rotate(90).resize(100).toBuffer());
      },
    ],
    [
      'auto_rotate off',
      { width: 100, auto_rotate: false },
      async (b) => assert.deepEqual(await dims(b), [100, 63]),
    ],
    [
      'blur',
      { width: 200, blur: 4 },
      async (b) => {
        await assertSimilar(b, await sharp(photo).resize(200).blur(4).toBuffer());
      },
    ],
    [
      'sharpen',
      { width: 200, sharpen: 1 },
      async (b) => {
        await assertSimilar(b, await sharp(photo).resize(200).sharpen({ sigma: 1 }).toBuffer());
      },
    ],
    [
      'pixelate',
      { width: 200, pixelate: 10, format: 'png' },
      async (b) => {
        const small = await sharp(photo).resize(200).resize(20, 13, { fit: 'fill' }).toBuffer();
        const expected = await sharp(small)
          .resize(200, 130, { kernel: 'nearest', fit: 'fill' })
          .extract({ left: 0, top: 0, width: 200, height: 125 })
          .toBuffer();
        await assertSimilar(b, expected, { maxHamming: 12, maxMad: 10 });
        // Blocks of 10 pixels: every pixel of the first block is the same.
        const block = await sharp(b)
          .extract({ left: 0, top: 0, width: 10, height: 10 })
          .removeAlpha()
          .raw()
          .toBuffer();
        for (let i = 3; i < block.length; i += 3)
          assert.deepEqual([...block.subarray(i, i + 3)], [...block.subarray(0, 3)]);
      },
    ],
    [
      'strip_metadata + keep_copyright',
      { width: 50, strip_metadata: true, keep_copyright: false },
      async (b) => {
        assert.equal((await sharp(b).metadata()).exif, undefined);
      },
    ],
    [
      'quality',
      { width: 300, quality: 10, format: 'jpg' },
      async (b) => {
        const hi = await sharp(photo).resize(300).jpeg({ quality: 90 }).toBuffer();
        assert.ok(b.length < hi.length);
      },
    ],
    [
      'format_quality',
      { width: 300, format: 'webp', format_quality: [{ format: 'webp', quality: 5 }] },
      async (b) => {
        const hi = await sharp(photo).resize(300).webp({ quality: 90 }).toBuffer();
        assert.ok(b.length < hi.length);
      },
    ],
    [
      'max_bytes',
      { width: 400, format: 'jpg', quality: 95, max_bytes: 6000 },
      async (b) => {
        assert.ok(b.length <= 6000, `${b.length} bytes`);
        await assertSimilar(b, await sharp(photo).resize(400).toBuffer(), { maxMad: 15 });
      },
    ],
    ['format', { width: 50, format: 'avif' }, async (b) => assert.equal((await meta(b)).format, 'heif')],
    ['cachebuster', { width: 50, cachebuster: 'v2' }, async (b) => assert.equal((await dims(b))[0], 50)],
  ];
  const dims = async (b: Buffer) => {
    const m = await meta(b);
    return [m.width, m.height];
  };
  for (const [name, options, check] of cases) {
    it(`option: ${name}`, async () => {
      const res = await get(link(remote('photo.jpg'), options));
      assert.equal(res.status, 200, `${name}: ${res.body.toString().slice(0, 200)}`);
      await check(res.body);
    });
  }

  it('narrows the allowed sources per account (settings.imageSources)', async () => {
    const runtime = kiln.server.runtime;
    await runtime.accounts.updateSettings(account.id, { imageSources: [`${origin.url}/img/photo`] });
    try {
      assert.equal((await get(link(remote('photo.jpg'), { width: 21 }))).status, 200);
      const res = await get(link(remote('reval.jpg'), { width: 21 }));
      assert.deepEqual([res.status, res.body.toString()], [404, 'Invalid source URL']);
    } finally {
      await runtime.accounts.updateSettings(account.id, { imageSources: undefined });
    }
  });

  it('purges a source by URL and evicts least recently used sources', async () => {
    const runtime = kiln.server.runtime;
    const purge = await fetch(
      `${kiln.url}/kiln/v1/image-sources?url=${encodeURIComponent(remote('photo.jpg'))}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${account.apiToken}` },
      },
    );
    assert.deepEqual(await purge.json(), { purged: true });
    const before = origin.hits('/img/photo.jpg');
    await get(link(remote('photo.jpg'), { width: 33 }));
    assert.equal(origin.hits('/img/photo.jpg'), before + 1);
    assert.ok((await runtime.remoteSources.evict(0)) > 0);
    await get(link(remote('photo.jpg'), { width: 34 }));
    assert.equal(origin.hits('/img/photo.jpg'), before + 2);
  });
});

describe('remote sources without KILN_ALLOW_PRIVATE_FETCH', () => {
  it('refuses a loopback origin before connecting', async () => {
    const origin = await startLoopbackOrigin();
    origin.set('/img/p.jpg', { body: Buffer.from('x') });
    const kiln = await startKiln({ env: { KILN_IMAGE_SOURCES: '*' } });
    try {
      const account = await kiln.createAccount();
      const url = generateImageUrl({
        endpoint: `${kiln.url}/imgproxy/${account.id}`,
        url: `${origin.url}/img/p.jpg`,
        options: { width: 10 },
        key: account.imgproxy.key,
        salt: account.imgproxy.salt,
      });
      const res = await get(url);
      assert.equal(res.status, 404);
      assert.equal(origin.hits('/img/p.jpg'), 0);
    } finally {
      kiln.server.app?.server.closeAllConnections();
      await kiln.close();
      await origin.close();
    }
  });
});
