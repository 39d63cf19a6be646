import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { negotiateFormat } from '../../../src/core/images/format-negotiation.js';
import { DEFAULT_IMAGE_LIMITS, inspectImage } from '../../../src/core/images/image-guard.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { parseGetstreamParams } from '../../../src/core/images/parse-getstream-params.js';
import { parseUploadcareOps } from '../../../src/core/images/parse-uploadcare-ops.js';
import { runPipeline } from '../../../src/core/images/pipeline/run-pipeline.js';
import type { ConcreteFormat, TransformPlan } from '../../../src/core/images/transform-plan.js';
import { assertNotSimilar, assertSimilar } from '../../support/perceptual.js';
import {
  animatedGif,
  colourAt,
  fixturePhotos,
  quadrantPng,
  transparentPng,
} from '../../support/test-images.js';

async function run(input: Buffer, plan: TransformPlan, format?: ConcreteFormat) {
  const meta = await inspectImage(input, DEFAULT_IMAGE_LIMITS);
  const f = format ?? negotiateFormat(undefined, plan, meta).format;
  return runPipeline(input, meta, plan, f, DEFAULT_IMAGE_LIMITS);
}

const photos = fixturePhotos();

describe('runPipeline on the fixture photographs', () => {
  for (const photo of photos) {
    it(`${photo.name}: fit to 512 as JPEG, WebP and AVIF looks like sharp's own resize`, async () => {
      const reference = await sharp(photo.data).resize(512, 512, { fit: 'inside' }).png().toBuffer();
      for (const format of ['jpeg', 'webp', 'avif'] as const) {
        const out = await run(photo.data, parseCloudflareOptions(`w=512,h=512,fit=scale-down,f=${format}`));
        const meta = await sharp(out.data).metadata();
        assert.equal(meta.format, format === 'avif' ? 'heif' : format);
        assert.deepEqual([meta.width, meta.height], [512, 320]);
        await assertSimilar(out.data, reference);
      }
    });
  }

  it('tone and effects change the picture, and differently', async () => {
    const photo = photos[0]!.data;
    const base = await run(photo, parseUploadcareOps('-/preview/256x256/-/format/png/'));
    const inverted = await run(photo, parseUploadcareOps('-/preview/256x256/-/invert/-/format/png/'));
    const gray = await run(photo, parseUploadcareOps('-/preview/256x256/-/grayscale/-/format/png/'));
    const blurred = await run(photo, parseUploadcareOps('-/preview/256x256/-/blur/100/-/format/png/'));
    const bright = await run(photo, parseCloudflareOptions('w=256,brightness=2,f=png'));
    await assertNotSimilar(inverted.data, base.data);
    await assertSimilar(gray.data, base.data, { maxMad: 4 }); // same luminance
    assert.equal((await sharp(gray.data).stats()).isOpaque, true);
    const ch = (await sharp(gray.data).stats()).channels;
    assert.ok(ch.length <= 2 || Math.abs(ch[0]!.mean - ch[2]!.mean) < 1, 'greyscale output');
    await assertNotSimilar(bright.data, base.data);
    const sharpness = async (b: Buffer) => (await sharp(b).stats()).sharpness;
    assert.ok((await sharpness(blurred.data)) < (await sharpness(base.data)) / 2, 'blur lowers sharpness');
  });

  it('json describes the output and the original; main_colors finds the dominant colours', async () => {
    const info = JSON.parse(
      (await run(photos[0]!.data, parseCloudflareOptions('w=640,f=json'))).data.toString(),
    );
    assert.equal(info.width, 640);
    assert.equal(info.height, 400);
    assert.deepEqual(info.original, {
      file_size: photos[0]!.data.length,
      width: 2560,
      height: 1600,
      format: 'image/jpeg',
    });
    const colours = JSON.parse(
      (await run(await quadrantPng(), parseUploadcareOps('-/main_colors/4/'))).data.toString(),
    );
    const found = new Set(colours.main_colors.map((c: number[]) => c.map((v) => (v > 128 ? 1 : 0)).join('')));
    assert.deepEqual(found, new Set(['100', '010', '001', '111']));
  });
});

describe('runPipeline geometry, checked by pixel colour on a four-quadrant image', () => {
  // Top-left red, top-right green, bottom-left blue, bottom-right white; 200x100.
  const corners = async (out: Buffer) =>
    Promise.all([colourAt(out, 2, 2), colourAt(out, -3, 2), colourAt(out, 2, -3), colourAt(out, -3, -3)]);

  it('Stream crop positions keep the right quadrant', async () => {
    const q = await quadrantPng();
    const crop = async (crop: string) =>
      corners((await run(q, parseGetstreamParams({ w: '40', h: '40', resize: 'crop', crop }))).data);
    assert.deepEqual(await crop('top,left'), ['red', 'red', 'blue', 'blue']);
    assert.deepEqual(await crop('left'), ['red', 'red', 'blue', 'blue']);
    assert.deepEqual(await crop('right'), ['green', 'green', 'white', 'white']);
    assert.deepEqual(await crop('top,right'), ['green', 'green', 'white', 'white']);
  });

  it('small crops land in the right quadrant', async () => {
    const q = await quadrantPng();
    const colour = async (chain: string) => {
      const out = await run(q, parseUploadcareOps(chain));
      return colourAt(out.data, 5, 5);
    };
    assert.equal(await colour('-/crop/20x20/0,0/'), 'red');
    assert.equal(await colour('-/crop/20x20/180,0/'), 'green');
    assert.equal(await colour('-/crop/20x20/0,80/'), 'blue');
    assert.equal(await colour('-/crop/20x20/100p,100p/'), 'white');
    assert.equal(await colour('-/mirror/-/crop/20x20/0,0/'), 'green');
    assert.equal(await colour('-/flip/-/crop/20x20/0,0/'), 'blue');
    assert.equal(await colour('-/rotate/270/-/crop/20x20/0,0/'), 'blue'); // 90 degrees clockwise
    assert.equal(await colour('-/crop/100x50/0,0/-/rotate/90/-/crop/10x10/0,0/'), 'red');
    assert.equal(await colour('-/resize/100x/-/crop/10x10/90,40/'), 'white');
  });

  it('Cloudflare flip and rotate orient before the resize', async () => {
    const q = await quadrantPng();
    assert.deepEqual(await corners((await run(q, parseCloudflareOptions('flip=h,f=png'))).data), [
      'green',
      'red',
      'white',
      'blue',
    ]);
    assert.deepEqual(await corners((await run(q, parseCloudflareOptions('rotate=90,w=50,f=png'))).data), [
      'blue',
      'red',
      'white',
      'green',
    ]);
    assert.deepEqual(await corners((await run(q, parseCloudflareOptions('flip=v,rotate=180,f=png'))).data), [
      'green',
      'red',
      'white',
      'blue',
    ]);
  });

  it('fill pads with the background colour to exactly the box', async () => {
    const out = await run(await quadrantPng(), parseGetstreamParams({ w: '200', h: '200', resize: 'fill' }));
    const meta = await sharp(out.data).metadata();
    assert.deepEqual([meta.width, meta.height], [200, 200]);
    assert.equal(await colourAt(out.data, 100, 10), 'white');
    assert.equal(await colourAt(out.data, 10, 60), 'red');
    const black = await run(
      await quadrantPng(),
      parseCloudflareOptions('w=200,h=200,fit=pad,background=black,f=png'),
    );
    assert.equal(await colourAt(black.data, 100, 10), 'black');
  });

  it('border radius makes the corners transparent, or the background in JPEG', async () => {
    const png = await run(
      await quadrantPng(),
      parseUploadcareOps('-/preview/200x100/-/border_radius/50p/-/format/png/'),
    );
    const { data } = await sharp(png.data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(data[3], 0, 'top-left corner transparent');
    assert.equal(await colourAt(png.data, 100, 10), 'green');
    const jpeg = await run(
      await quadrantPng(),
      parseUploadcareOps('-/preview/200x100/-/border_radius/50p/-/setfill/000000/-/format/jpeg/'),
    );
    assert.equal(await colourAt(jpeg.data, 0, 0), 'black');
  });

  it('arbitrary rotation fills the corners with the background', async () => {
    const plan = parseCloudflareOptions('f=png,background=black');
    plan.rotate = 45;
    const out = await run(await quadrantPng(), plan);
    assert.ok(out.width > 200 && out.height > 100);
    assert.equal(await colourAt(out.data, 0, 0), 'black');
  });
});

describe('runPipeline on generated sources', () => {
  it('keeps animation frames unless asked for the first frame', async () => {
    const gif = await animatedGif(4, 64);
    const kept = await run(gif, parseCloudflareOptions('w=32,f=gif'));
    const meta = await sharp(kept.data, { animated: true }).metadata();
    assert.equal(meta.pages, 4);
    assert.equal(meta.pageHeight, 32);
    assert.equal(kept.height, 32);
    const webp = await run(gif, parseCloudflareOptions('w=32,f=webp'));
    assert.equal((await sharp(webp.data, { animated: true }).metadata()).pages, 4);
    const still = await run(gif, parseCloudflareOptions('w=32,f=gif,anim=false'));
    assert.equal((await sharp(still.data, { animated: true }).metadata()).pages ?? 1, 1);
    // Frame 3 of the source is blue: the animated output keeps it.
    const frame3 = await sharp(kept.data, { page: 2 }).png().toBuffer();
    assert.equal(await colourAt(frame3, 16, 16), 'blue');
  });

  it('transparent PNG keeps alpha in PNG/WebP and is flattened onto the background in JPEG', async () => {
    const png = await transparentPng();
    const meta = await inspectImage(png, DEFAULT_IMAGE_LIMITS);
    assert.equal(negotiateFormat(undefined, parseUploadcareOps('-/preview/'), meta).format, 'png');
    const webp = await run(png, parseUploadcareOps('-/preview/-/format/webp/'));
    assert.equal((await sharp(webp.data).metadata()).hasAlpha, true);
    const jpeg = await run(png, parseCloudflareOptions('f=jpeg,background=%2300ff00'));
    assert.equal(await colourAt(jpeg.data, 2, 2), 'green');
    assert.equal(await colourAt(jpeg.data, 60, 40), 'blue');
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const photo = photos[0]!.data;
    const cmyk = await sharp(photo).resize(400).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const out = await run(cmyk, parseCloudflareOptions('w=200,f=jpeg'));
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.space, 'srgb');
    assert.equal(meta.channels, 3);
    await assertSimilar(out.data, await sharp(photo).resize(200).png().toBuffer());
  });

  it('reads 16-bit PNG and writes 8-bit', async () => {
    const png16 = await sharp(photos[0]!.data).resize(300).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    const out = await run(png16, parseCloudflareOptions('w=150,f=png'));
    assert.equal((await sharp(out.data).metadata()).depth, 'uchar');
    await assertSimilar(out.data, await sharp(photos[0]!.data).resize(150).png().toBuffer());
  });

  it('applies EXIF orientation and strips metadata unless kept', async () => {
    const q = await quadrantPng();
    const rotated = await sharp(q).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const meta = await inspectImage(rotated, DEFAULT_IMAGE_LIMITS);
    assert.deepEqual([meta.width, meta.height, meta.orientation], [100, 200, 6]);
    const out = await run(rotated, parseCloudflareOptions('w=50,f=png'));
    assert.deepEqual([out.width, out.height], [50, 100]);
    assert.equal(await colourAt(out.data, 2, 2), 'blue'); // the stored top-left turned clockwise
    const stripped = await run(rotated, parseCloudflareOptions('w=50,f=jpeg'));
    assert.equal((await sharp(stripped.data).metadata()).exif, undefined);
    const kept = await run(rotated, parseCloudflareOptions('w=50,f=jpeg,metadata=keep'));
    const keptMeta = await sharp(kept.data).metadata();
    assert.ok(keptMeta.exif, 'EXIF kept');
    assert.ok((keptMeta.orientation ?? 1) === 1, 'orientation reset after applying it');
    const noAuto = await run(rotated, parseUploadcareOps('-/autorotate/no/-/preview/-/format/png/'));
    assert.deepEqual([noAuto.width, noAuto.height], [200, 100]);
  });

  it('keeps only the copyright with metadata=copyright', async () => {
    const photo = await sharp(photos[0]!.data)
      .resize(100)
      .jpeg()
      .withExif({ IFD0: { Copyright: 'Kiln Test 2026', Artist: 'Someone' } })
      .toBuffer();
    const out = await run(photo, parseCloudflareOptions('w=50,f=jpeg,metadata=copyright'));
    const exif = (await sharp(out.data).metadata()).exif?.toString('latin1') ?? '';
    assert.match(exif, /Kiln Test 2026/);
    assert.doesNotMatch(exif, /Someone/);
  });
});
