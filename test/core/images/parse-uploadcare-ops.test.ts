import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { generateUploadcareOps } from '../../../src/core/images/generate-uploadcare-ops.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { parseGetstreamParams } from '../../../src/core/images/parse-getstream-params.js';
import { hasUploadcareCoreOp, parseUploadcareOps } from '../../../src/core/images/parse-uploadcare-ops.js';
import { canonicalKey } from '../../../src/core/images/transform-plan.js';

const key = (s: string) => canonicalKey(parseUploadcareOps(s));

describe('parseUploadcareOps', () => {
  it('parses the geometry chain in order', () => {
    const p = parseUploadcareOps('-/preview/500x400/-/crop/50px50p/center/-/rotate/90/-/mirror/-/flip/');
    assert.deepEqual(p.geometry, [
      {
        op: 'resize',
        width: 500,
        height: 400,
        fit: 'contain',
        gravity: { kind: 'align', x: 0.5, y: 0.5 },
        withoutEnlargement: true,
      },
      {
        op: 'crop',
        width: { pct: 50 },
        height: { pct: 50 },
        gravity: { kind: 'align', x: 0.5, y: 0.5 },
        offset: undefined,
      },
      { op: 'rotate', angle: 270 },
      { op: 'flip', axis: 'h' },
      { op: 'flip', axis: 'v' },
    ]);
    assert.deepEqual(parseUploadcareOps('-/preview/').geometry[0], {
      op: 'resize',
      width: 2048,
      height: 2048,
      fit: 'contain',
      gravity: { kind: 'align', x: 0.5, y: 0.5 },
      withoutEnlargement: true,
    });
  });

  it('parses resize, stretch, scale_crop and crop variants', () => {
    const g = (s: string) => parseUploadcareOps(s).geometry;
    assert.deepEqual(g('-/resize/300x/')[0], {
      op: 'resize',
      width: 300,
      height: undefined,
      fit: 'contain',
      gravity: { kind: 'align', x: 0.5, y: 0.5 },
      withoutEnlargement: false,
    });
    assert.equal((g('-/resize/300x200/')[0] as { fit: string }).fit, 'fill');
    assert.equal(
      (g('-/stretch/off/-/resize/300x200/')[0] as { withoutEnlargement: boolean }).withoutEnlargement,
      true,
    );
    assert.equal(
      (g('-/stretch/off/-/resize/1x2/-/resize/3x4/')[1] as { withoutEnlargement: boolean })
        .withoutEnlargement,
      false,
    );
    assert.deepEqual((g('-/scale_crop/100x100/80p,20p/')[0] as { gravity: unknown }).gravity, {
      kind: 'align',
      x: 0.8,
      y: 0.2,
    });
    assert.deepEqual((g('-/scale_crop/100x100/smart_faces/')[0] as { gravity: unknown }).gravity, {
      kind: 'smart',
      strategy: 'attention',
    });
    assert.deepEqual((g('-/scale_crop/100x100/bottom/')[0] as { gravity: unknown }).gravity, {
      kind: 'align',
      x: 0.5,
      y: 1,
    });
    assert.deepEqual(g('-/crop/100x50/10,20/')[0], {
      op: 'crop',
      width: 100,
      height: 50,
      gravity: { kind: 'align', x: 0, y: 0 },
      offset: { x: 10, y: 20 },
    });
    assert.deepEqual(g('-/crop/16:9/')[0], {
      op: 'crop',
      aspect: [16, 9],
      gravity: { kind: 'align', x: 0.5, y: 0.5 },
    });
    assert.deepEqual(g('-/crop/100x50/')[0], {
      op: 'crop',
      width: 100,
      height: 50,
      gravity: { kind: 'align', x: 0, y: 0 },
      offset: undefined,
    });
  });

  it('parses output, tone and info operations', () => {
    const p = parseUploadcareOps(
      '-/preview/-/format/webp/-/quality/lightest/-/progressive/yes/-/strip_meta/none/-/blur/20/-/sharp/10/-/enhance/-/grayscale/-/invert/-/setfill/ff0000/-/border_radius/10,50p/',
    );
    assert.equal(p.output.format, 'webp');
    assert.equal(p.output.quality, 50);
    assert.equal(p.output.progressive, true);
    assert.equal(p.metadata, 'keep');
    assert.equal(p.effects.blur, 5);
    assert.equal(p.effects.sharpen, 1);
    assert.deepEqual(p.adjust, { enhance: 50, grayscale: true, invert: true });
    assert.deepEqual(p.background, { r: 255, g: 0, b: 0, alpha: 1 });
    assert.deepEqual(p.effects.borderRadius, [10, { pct: 50 }, 10, { pct: 50 }]);
    assert.equal(parseUploadcareOps('-/preview/').output.format, 'auto');
    assert.equal(parseUploadcareOps('-/preview/-/format/preserve/').output.format, 'original');
    assert.equal(parseUploadcareOps('-/preview/-/json/').output.format, 'json');
    assert.deepEqual(parseUploadcareOps('-/main_colors/6/').output, { format: 'main_colors', colorCount: 6 });
    assert.equal(parseUploadcareOps('-/autorotate/no/').autoOrient, false);
    assert.equal(parseUploadcareOps('-/preview/-/quality/smart_retina/').output.quality, 65);
  });

  it('knows whether the chain asks for processing', () => {
    assert.equal(hasUploadcareCoreOp('-/format/webp/'), false);
    assert.equal(hasUploadcareCoreOp('-/format/webp/-/scale_crop/10x10/'), true);
  });

  it('enforces the documented size limits (3000, 5000 with format jpeg)', () => {
    assert.doesNotThrow(() => parseUploadcareOps('-/resize/3000x/'));
    assert.throws(() => parseUploadcareOps('-/resize/3001x/'), /exceeds the maximum 3000x3000/);
    assert.throws(() => parseUploadcareOps('-/preview/100x3500/-/format/webp/'), /"preview"/);
    assert.doesNotThrow(() => parseUploadcareOps('-/preview/5000x5000/-/format/jpeg/'));
    assert.throws(() => parseUploadcareOps('-/scale_crop/5001x100/-/format/jpeg/'), /5000x5000/);
  });

  it('gives two spellings the same canonical key, across grammars too', () => {
    assert.equal(key('-/crop/50px50p/50p,50p/'), key('-/crop/50%25x50%25/center/'));
    assert.equal(key('-/rotate/-90/'), key('-/rotate/270/'));
    assert.equal(key('-/quality/normal/-/quality/best/'), key('-/quality/best/'));
    // The same operation through two grammars: Stream fill and Cloudflare pad at 200x100, white, as JPEG.
    const stream = parseGetstreamParams({ w: '200', h: '100', resize: 'fill' });
    stream.output.format = 'jpeg';
    stream.output.quality = 85;
    const cf = parseCloudflareOptions('w=200,h=100,fit=pad,background=white,format=baseline-jpeg');
    assert.equal(canonicalKey(stream), canonicalKey(cf));
  });

  it('rejects malformed chains and unknown or out-of-range operations', () => {
    const bad: Array<[string, RegExp]> = [
      ['preview/100x100/', /must start with "-\/"/],
      ['-/-/preview/', /Empty operation/],
      ['-/explode/', /Unknown operation "explode"/],
      ['-/resize/x/', /"resize"/],
      ['-/resize/axb/', /"resize"/],
      ['-/resize/50px/', /pixels/],
      ['-/preview/100x/', /both sides/],
      ['-/rotate/45/', /multiple of 90/],
      ['-/blur/5001/', /"blur"/],
      ['-/sharp/21/', /"sharp"/],
      ['-/quality/ultra/', /"quality"/],
      ['-/format/bmp/', /"format"/],
      ['-/format/avif/', /"format"/],
      ['-/setfill/red/', /"setfill"/],
      ['-/json/-/preview/', /last operation/],
      ['-/main_colors/300/', /"main_colors"/],
      ['-/crop/face/', /not supported/],
      ['-/crop/10x10/10,20p/', /same unit/],
      ['-/brightness/101/', /"brightness"/],
      ['-/progressive/maybe/', /yes or no/],
      ['-/grayscale/1/', /argument/],
      ['-/crop/50%x50%/', /percent-encoding/],
    ];
    for (const [chain, message] of bad) {
      assert.throws(
        () => parseUploadcareOps(chain),
        (e: unknown) => e instanceof KilnError && e.code === 'invalid_input' && message.test(e.message),
        chain,
      );
    }
  });

  it('round-trips through the generator', () => {
    for (const chain of [
      '-/preview/500x400/-/crop/50px50p/center/-/rotate/90/-/mirror/',
      '-/resize/300x/-/format/webp/-/quality/better/',
      '-/stretch/off/-/resize/300x200/-/setfill/00ff00/-/progressive/yes/',
      '-/scale_crop/100x100/80p,20p/-/grayscale/-/invert/-/blur/20/-/sharp/10/',
      '-/scale_crop/200x100/smart/-/strip_meta/none/-/json/',
      '-/crop/16:9/bottom/-/preview/300x300/-/border_radius/10,20,30,40/-/main_colors/5/',
      '-/crop/100x50/10,20/-/brightness/20/-/contrast/-30/-/enhance/70/-/autorotate/no/-/format/preserve/',
    ]) {
      const plan = parseUploadcareOps(chain);
      const generated = generateUploadcareOps(plan);
      assert.equal(
        canonicalKey(parseUploadcareOps(generated)),
        canonicalKey(plan),
        `${chain} -> ${generated}`,
      );
    }
  });
});
