import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { assertSimilar } from '../../../support/perceptual.js';
import { colourAt, FIXTURES_DIR, quadrantPng } from '../../../support/test-images.js';
import {
  asUpload,
  fetchBytes,
  rejection,
  type StreamTestbed,
  startStreamTestbed,
} from './getstream-support.js';

// Source: 400x200, top-left red, top-right green, bottom-left blue, bottom-right white.
let t: StreamTestbed;
let source: Buffer;
let img: string;
before(async () => {
  t = await startStreamTestbed();
  source = await quadrantPng(400, 200);
  img = (await t.alice.images.upload(source, 'quad.png')).file;
});
after(() => t.kiln.close());

async function fetchImage(url: string) {
  const got = await fetchBytes(url);
  assert.equal(got.status, 200, url);
  const meta = await sharp(got.body).metadata();
  return { body: got.body, width: meta.width, height: meta.height, type: got.headers.get('content-type') };
}

/** Pixel colours at the named points of a processed image. */
async function colours(body: Buffer, points: Record<string, [number, number]>) {
  const out: Record<string, string> = {};
  for (const [name, [x, y]] of Object.entries(points)) out[name] = await colourAt(body, x, y);
  return out;
}

test('images.upload returns a link to the exact image, served inline with its type', async () => {
  assert.ok(img.includes('quad.png?'), img);
  const got = await fetchBytes(img);
  assert.equal(got.headers.get('content-type'), 'image/png');
  assert.match(got.headers.get('content-disposition') ?? '', /^inline/);
  assert.deepEqual(got.body, source);
});

test('thumbnail defaults to crop=center, resize=clip: fits inside, ratio kept, a new stored object', async () => {
  const storedBefore = await t.kiln.server.runtime.assets.storedBytes(t.creds.id);
  const res = await t.alice.images.thumbnail(img, 50, 50);
  assert.deepEqual(Object.keys(res).sort(), ['duration', 'file']);
  assert.notEqual(res.file, img);
  assert.ok(res.file.includes('quad.png?'));
  const thumb = await fetchImage(res.file);
  assert.deepEqual([thumb.width, thumb.height, thumb.type], [50, 25, 'image/png']);
  const storedAfter = await t.kiln.server.runtime.assets.storedBytes(t.creds.id);
  assert.equal(storedAfter - storedBefore, thumb.body.length, 'the variant counts against storage');
  // The same request again gives the same object, stored once.
  const again = await t.alice.images.thumbnail(img, 50, 50);
  assert.equal(new URL(again.file).pathname, new URL(res.file).pathname);
  assert.equal(await t.kiln.server.runtime.assets.storedBytes(t.creds.id), storedAfter);
});

const cases: Array<{
  name: string;
  options: { w: number; h: number; resize?: string; crop?: string | string[] };
  size: [number, number];
  expect: Record<string, [number, number, string]>;
}> = [
  {
    name: 'clip fits inside the box',
    options: { w: 100, h: 100, resize: 'clip' },
    size: [100, 50],
    expect: { tl: [5, 5, 'red'], tr: [94, 5, 'green'], bl: [5, 44, 'blue'], br: [94, 44, 'white'] },
  },
  {
    name: 'scale distorts to the box',
    options: { w: 100, h: 100, resize: 'scale' },
    size: [100, 100],
    expect: { tl: [5, 5, 'red'], tr: [94, 5, 'green'], bl: [5, 94, 'blue'], br: [94, 94, 'white'] },
  },
  {
    name: 'fill pads to the box (centre)',
    options: { w: 100, h: 100, resize: 'fill' },
    size: [100, 100],
    expect: {
      padTop: [5, 5, 'white'],
      red: [5, 30, 'red'],
      blue: [5, 70, 'blue'],
      padBottom: [5, 95, 'white'],
    },
  },
  {
    name: 'fill with crop=top puts the image at the top',
    options: { w: 100, h: 100, resize: 'fill', crop: 'top' },
    size: [100, 100],
    expect: { red: [5, 5, 'red'], blue: [5, 45, 'blue'], pad: [5, 60, 'white'] },
  },
  {
    name: 'crop centre keeps the middle',
    options: { w: 100, h: 100, resize: 'crop', crop: 'center' },
    size: [100, 100],
    expect: { tl: [10, 10, 'red'], tr: [90, 10, 'green'], bl: [10, 90, 'blue'], br: [90, 90, 'white'] },
  },
  {
    name: 'crop left keeps the left half',
    options: { w: 100, h: 100, resize: 'crop', crop: 'left' },
    size: [100, 100],
    expect: { tl: [10, 10, 'red'], tr: [90, 10, 'red'], bl: [10, 90, 'blue'], br: [90, 90, 'blue'] },
  },
  {
    name: 'crop right keeps the right half',
    options: { w: 100, h: 100, resize: 'crop', crop: 'right' },
    size: [100, 100],
    expect: { tl: [10, 10, 'green'], tr: [90, 10, 'green'], bl: [10, 90, 'white'], br: [90, 90, 'white'] },
  },
  {
    name: 'crop top keeps the top band',
    options: { w: 100, h: 20, resize: 'crop', crop: 'top' },
    size: [100, 20],
    expect: { l: [5, 2, 'red'], l2: [5, 17, 'red'], r: [94, 17, 'green'] },
  },
  {
    name: 'crop bottom keeps the bottom band',
    options: { w: 100, h: 20, resize: 'crop', crop: 'bottom' },
    size: [100, 20],
    expect: { l: [5, 2, 'blue'], l2: [5, 17, 'blue'], r: [94, 2, 'white'] },
  },
  {
    name: 'crop center (vertical overflow) keeps the middle band',
    options: { w: 100, h: 20, resize: 'crop' },
    size: [100, 20],
    expect: { top: [5, 1, 'red'], bottom: [5, 18, 'blue'] },
  },
  {
    name: 'crop top,left (array, as the SDK joins it)',
    options: { w: 100, h: 20, resize: 'crop', crop: ['top', 'left'] },
    size: [100, 20],
    expect: { l: [5, 17, 'red'], r: [94, 17, 'green'] },
  },
  {
    name: 'crop bottom,right keeps the bottom-right part',
    options: { w: 100, h: 100, resize: 'crop', crop: 'bottom,right' },
    size: [100, 100],
    expect: { tl: [10, 10, 'green'], br: [90, 90, 'white'], bl: [10, 90, 'white'] },
  },
  {
    name: 'crop without resize means resize=crop (the Java SDK sends that)',
    options: { w: 100, h: 100, crop: 'left' },
    size: [100, 100],
    expect: { tr: [90, 10, 'red'] },
  },
];

for (const c of cases) {
  test(`process: ${c.name}`, async () => {
    // The SDK's type says string, but it joins an array itself (images.js), as Stream's own tests use it.
    const res = await t.alice.images.process(img, { ...c.options } as { w: number; crop?: string });
    const out = await fetchImage(res.file);
    assert.deepEqual([out.width, out.height], c.size);
    const points = Object.fromEntries(
      Object.entries(c.expect).map(([k, [x, y]]) => [k, [x, y] as [number, number]]),
    );
    const expected = Object.fromEntries(Object.entries(c.expect).map(([k, v]) => [k, v[2]]));
    assert.deepEqual(await colours(out.body, points), expected);
  });
}

test('a variant can be processed again: each step applies to the previous result', async () => {
  // The left half only (red over blue), then its bottom-right 75x50, then squashed to 30x30.
  const left = await t.alice.images.process(img, { w: 100, h: 100, resize: 'crop', crop: 'left' });
  const cropped = await t.alice.images.process(left.file, {
    w: 75,
    h: 50,
    crop: ['bottom', 'right'] as unknown as string,
    resize: 'crop',
  });
  const c = await fetchImage(cropped.file);
  assert.deepEqual([c.width, c.height], [75, 50]);
  // 100x100 -> 75x75 -> the bottom 50 rows: red above row ~12, blue below, nothing green or white.
  assert.deepEqual(await colours(c.body, { a: [5, 3], b: [70, 3], d: [5, 45], e: [70, 45] }), {
    a: 'red',
    b: 'red',
    d: 'blue',
    e: 'blue',
  });
  const scaled = await t.alice.images.process(cropped.file, { w: 30, h: 30, resize: 'scale' });
  const s = await fetchImage(scaled.file);
  assert.deepEqual([s.width, s.height], [30, 30]);
  assert.deepEqual(await colours(s.body, { top: [28, 1], bottom: [28, 28] }), { top: 'red', bottom: 'blue' });
});

test('bad parameters are 400; unknown URLs 404', async () => {
  for (const options of [{ crop: 'impossible' }, { w: -1 }, { h: -1 }, { resize: 'impossible' }, {}]) {
    const r = await rejection(t.alice.images.process(img, options as { w?: number }));
    assert.equal(r.status, 400, JSON.stringify(options));
    assert.equal(r.body.exception, 'InputException');
  }
  const file = (await t.alice.files.upload(Buffer.from('text'), 'a.txt')).file;
  assert.equal((await rejection(t.alice.images.process(file, { w: 10 }))).status, 400);
  const unknown = img.replace(/[0-9a-f]{8}-/, '00000000-');
  assert.equal((await rejection(t.alice.images.process(unknown, { w: 10 }))).status, 404);
});

test("other users may not process or delete alice's images; the server may; deleted variants 404", async () => {
  const variant = (await t.alice.images.process(img, { w: 60, h: 60, resize: 'crop' })).file;
  // Started one at a time: a rejection nobody awaits yet would count as unhandled.
  const calls = [
    () => t.bob.images.process(variant, { w: 10, h: 10 }),
    () => t.bob.images.process(img, { w: 10 }),
    () => t.bob.images.delete(variant),
  ];
  for (const call of calls) {
    const r = await rejection(call());
    assert.deepEqual([r.status, r.body.code, r.body.exception], [403, 17, 'NotAllowedException']);
  }
  const stored = await t.kiln.server.runtime.assets.storedBytes(t.creds.id);
  const res = await t.server.images.delete(variant);
  assert.deepEqual(Object.keys(res), ['duration']);
  assert.equal((await fetch(variant)).status, 404);
  assert.equal((await rejection(t.server.images.delete(variant))).status, 404);
  assert.ok((await t.kiln.server.runtime.assets.storedBytes(t.creds.id)) < stored, 'storage released');
  assert.equal((await fetchBytes(img)).status, 200, 'the original stays');
});

test('deleting an original takes its variants with it', async () => {
  const own = (await t.bob.images.upload(await quadrantPng(40, 20), 'b.png')).file;
  const v = (await t.bob.images.thumbnail(own, 10, 10)).file;
  await t.bob.images.delete(own);
  assert.equal((await fetch(own)).status, 404);
  assert.equal((await fetch(v)).status, 404);
  assert.equal((await rejection(t.bob.images.delete(own))).status, 404);
});

test('a 2560x1600 photo uploads as a stream and processes well inside the SDK timeout', async () => {
  const path = join(FIXTURES_DIR, 'cups-2560x1600.jpg');
  const up = await t.server.images.upload(asUpload(createReadStream(path)), 'cups-2560x1600.jpg');
  const original = await fetchImage(up.file);
  assert.deepEqual([original.width, original.height, original.type], [2560, 1600, 'image/jpeg']);
  const started = performance.now();
  const res = await t.server.images.process(up.file, { w: 640, h: 640, resize: 'crop', crop: 'center' });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 5000, `processing took ${elapsed.toFixed(0)} ms`);
  const out = await fetchImage(res.file);
  assert.deepEqual([out.width, out.height, out.type], [640, 640, 'image/jpeg']);
  const expected = await sharp(original.body).resize(640, 640, { fit: 'cover' }).jpeg().toBuffer();
  await assertSimilar(out.body, expected);
});
