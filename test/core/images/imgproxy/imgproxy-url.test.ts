import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateImageUrl } from '@imgproxy/imgproxy-node';
import { KilnError } from '../../../../src/core/errors/kiln-error.js';
import {
  generateImgproxyOptions,
  type ImgproxyOptions,
  parseImgproxyOptions,
} from '../../../../src/core/images/imgproxy/imgproxy-options.js';
import {
  generateImgproxyPath,
  type ImgproxyPath,
  parseImgproxyPath,
} from '../../../../src/core/images/imgproxy/imgproxy-path.js';
import { imgproxyPlan } from '../../../../src/core/images/imgproxy/imgproxy-plan.js';
import { parsePresets, readImgproxyRequest } from '../../../../src/core/images/imgproxy/imgproxy-request.js';
import {
  signImgproxyPath,
  verifyImgproxySignature,
} from '../../../../src/core/images/imgproxy/imgproxy-signature.js';
import { computeGeometry } from '../../../../src/core/images/pipeline/compute-geometry.js';
import { emptyPlan, normalizePlan } from '../../../../src/core/images/transform-plan.js';

const KEY = '943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881';
const SALT = '520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5';
const pair = { key: KEY, salt: SALT };
const settings = { allowInsecure: false, signatureSize: 32, presets: {} };

function imgproxyStatus(fn: () => unknown): [number, unknown] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KilnError, String(err));
    return [err.status, err.details.imgproxyPublic];
  }
  assert.fail('expected an error');
}

describe('imgproxy signature', () => {
  it('verifies what the official builder signs, and nothing else', () => {
    const url = generateImageUrl({
      endpoint: 'http://kiln.test/imgproxy/acc',
      url: 'https://example.com/images/cat.jpg',
      options: { resize: { resizing_type: 'fill', width: 300, height: 200 }, quality: 70 },
      key: KEY,
      salt: SALT,
    });
    const path = url.slice('http://kiln.test/imgproxy/acc'.length);
    const parsed = parseImgproxyPath(path);
    assert.ok(verifyImgproxySignature(parsed.signature, parsed.signedPath, pair));
    assert.equal(parsed.signature, signImgproxyPath(parsed.signedPath, pair));
    assert.ok(!verifyImgproxySignature(parsed.signature, `${parsed.signedPath}x`, pair));
    assert.ok(!verifyImgproxySignature(parsed.signature, parsed.signedPath, { key: SALT, salt: KEY }));
  });

  it('supports truncated signatures (IMGPROXY_SIGNATURE_SIZE)', () => {
    const sig = signImgproxyPath('/rs:fit:10:10/plain/http://a/b.png', pair, 8);
    assert.equal(Buffer.from(sig, 'base64url').length, 8);
    assert.ok(verifyImgproxySignature(sig, '/rs:fit:10:10/plain/http://a/b.png', pair, 8));
    assert.ok(!verifyImgproxySignature(sig, '/rs:fit:10:10/plain/http://a/b.png', pair, 32));
  });
});

describe('imgproxy path: parse and generate are inverse', () => {
  const cases: ImgproxyPath[] = [
    {
      signature: 'sig',
      options: ['rs:fill:100:100', 'q:80'],
      source: { kind: 'plain', url: 'https://a.com/x y%.jpg?v=1@2' },
      extension: 'png',
    },
    { signature: 'sig', options: [], source: { kind: 'plain', url: 'local:///abc' } },
    {
      signature: 'sig',
      options: ['w:10'],
      source: { kind: 'base64', url: 'https://example.com/images/curiosity.jpg' },
      extension: 'webp',
    },
    { signature: 'insecure', options: [], source: { kind: 'base64', url: 'http://ex.com/ü.png' } },
  ];
  for (const c of cases) {
    it(`round-trips ${c.source.kind} ${c.source.url}`, () => {
      const { signedPath, ...back } = parseImgproxyPath(generateImgproxyPath(c));
      assert.deepEqual(back, c);
      assert.equal(signedPath, generateImgproxyPath(c).slice(`/${c.signature}`.length));
    });
  }

  it('reads a base64 source split by slashes, with an extension', () => {
    const p = parseImgproxyPath('/sig/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png');
    assert.deepEqual(p.source, { kind: 'base64', url: 'http://example.com/images/curiosity.jpg' });
    assert.equal(p.extension, 'png');
  });

  it("refuses encrypted sources (Pro) with imgproxy's error", () => {
    assert.deepEqual(
      imgproxyStatus(() => parseImgproxyPath('/sig/enc/abcdef')),
      [404, 'Invalid URL'],
    );
  });
});

describe('imgproxy options: parse and generate are inverse', () => {
  const rich: ImgproxyOptions = {
    resizingType: 'fill-down',
    width: 300,
    height: 200,
    minWidth: 50,
    minHeight: 40,
    zoom: [1.5, 2],
    dpr: 2,
    enlarge: true,
    extend: { extend: true, gravity: { type: 'so', x: 5, y: 0 } },
    extendAspectRatio: { extend: true, gravity: { type: 'we', x: 0, y: 0 } },
    gravity: { type: 'noea', x: 0.1, y: 10 },
    crop: { width: 0.5, height: 100, gravity: { type: 'fp', x: 0.25, y: 0.75 } },
    trim: { threshold: 10 },
    padding: [1, 2, 3, 4],
    rotate: 270,
    autoRotate: false,
    background: { r: 255, g: 0, b: 16, alpha: 1 },
    blur: 2.5,
    sharpen: 0.7,
    pixelate: 8,
    stripMetadata: false,
    keepCopyright: false,
    quality: 70,
    formatQuality: { jpeg: 60, webp: 55 },
    maxBytes: 20000,
    format: 'webp',
    cachebuster: 'v:2/ü',
    expires: 4102444800,
    filename: { name: 'my photo', encoded: false },
    returnAttachment: true,
  };
  it('round-trips every option', () => {
    assert.deepEqual(parseImgproxyOptions(generateImgproxyOptions(rich)), rich);
    assert.deepEqual(
      parseImgproxyOptions(generateImgproxyOptions({ gravity: { type: 'sm' }, background: null })),
      {
        gravity: { type: 'sm' },
        background: null,
      },
    );
  });

  it('reads meta-options, long names and aliases as the builder writes them', () => {
    assert.deepEqual(
      parseImgproxyOptions(['resize:fit:100:50:1:1:ce:0:0', 'size:20', 'ext:jpg', 'min-width:9', 'mh:8']),
      {
        resizingType: 'fit',
        width: 20,
        height: 50,
        enlarge: true,
        extend: { extend: true, gravity: { type: 'ce', x: 0, y: 0 } },
        format: 'jpeg',
        minWidth: 9,
        minHeight: 8,
      },
    );
    assert.deepEqual(parseImgproxyOptions(['pd:10']).padding, [10, 10, 10, 10]);
    assert.deepEqual(parseImgproxyOptions(['pd:10:20']).padding, [10, 20, 10, 20]);
    assert.deepEqual(parseImgproxyOptions(['z:2']).zoom, [2, 2]);
    assert.deepEqual(parseImgproxyOptions(['bg:ff0000']).background, { r: 255, g: 0, b: 0, alpha: 1 });
  });

  it('answers Pro, unknown and malformed options with imgproxy\'s "Invalid URL"', () => {
    for (const segment of [
      'wm:0.5',
      'a:1:1:1',
      'ra:nearest',
      'obj_pos:ce',
      'pg:1',
      'hs:md5:00',
      'nope:1',
      'w:abc',
      'rt:stretch',
      'rot:45',
      'g:obj:face',
      'q:101',
    ])
      assert.deepEqual(
        imgproxyStatus(() => parseImgproxyOptions([segment])),
        [404, 'Invalid URL'],
        segment,
      );
  });

  it('expands presets in place, and the default preset first', () => {
    const presets = parsePresets('default=q:50/sm:0,thumb=rs:fill:64:64/f:webp');
    assert.deepEqual(parseImgproxyOptions(['pr:thumb', 'q:90'], presets), {
      quality: 90,
      stripMetadata: false,
      resizingType: 'fill',
      width: 64,
      height: 64,
      format: 'webp',
    });
    assert.deepEqual(
      imgproxyStatus(() => parseImgproxyOptions(['preset:missing'], presets)),
      [404, 'Invalid URL'],
    );
  });
});

describe('imgproxy requests', () => {
  const signed = (path: string) => `/${signImgproxyPath(path, pair)}${path}`;

  it('checks the signature first: 403 Forbidden', () => {
    assert.deepEqual(
      imgproxyStatus(() => readImgproxyRequest('/bad/w:10/plain/http://a/b.jpg', pair, settings)),
      [403, 'Forbidden'],
    );
    assert.deepEqual(
      imgproxyStatus(() => readImgproxyRequest('/insecure/plain/http://a/b.jpg', pair, settings)),
      [403, 'Forbidden'],
    );
    assert.deepEqual(
      imgproxyStatus(() => readImgproxyRequest(signed('/plain/http://a/b.jpg'), null, settings)),
      [403, 'Forbidden'],
    );
  });

  it('accepts insecure and unsafe only when the operator allows it', () => {
    const open = { ...settings, allowInsecure: true };
    assert.equal(
      readImgproxyRequest('/insecure/w:10/plain/http://a/b.jpg', null, open).source.url,
      'http://a/b.jpg',
    );
    assert.equal(
      readImgproxyRequest('/unsafe/w:10/plain/http://a/b.jpg', pair, open).source.url,
      'http://a/b.jpg',
    );
  });

  it('answers an expired URL with 404 Expired URL', () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    assert.deepEqual(
      imgproxyStatus(() => readImgproxyRequest(signed(`/exp:${past}/plain/http://a/b.jpg`), pair, settings)),
      [404, 'Expired URL'],
    );
    const future = Math.floor(Date.now() / 1000) + 100;
    assert.equal(
      readImgproxyRequest(signed(`/exp:${future}/plain/http://a/b.jpg`), pair, settings).expires,
      future,
    );
  });

  it('takes the filename from the option (plain or base64) or from the source URL', () => {
    assert.equal(readImgproxyRequest(signed('/plain/http://a/dir/cat.jpg'), pair, settings).filename, 'cat');
    assert.equal(
      readImgproxyRequest(signed('/fn:hello/plain/http://a/b.jpg'), pair, settings).filename,
      'hello',
    );
    const b64 = Buffer.from('héllo').toString('base64url');
    assert.equal(
      readImgproxyRequest(signed(`/fn:${b64}:1/plain/http://a/b.jpg`), pair, settings).filename,
      'héllo',
    );
  });
});

describe('imgproxy options as the one transform plan', () => {
  const plan = (segments: string[], ext?: string) =>
    normalizePlan(imgproxyPlan(parseImgproxyOptions(segments), ext));
  const size = (segments: string[], w = 800, h = 500) => {
    const g = computeGeometry({ width: w, height: h }, plan(segments));
    return [g.width, g.height];
  };

  it('resizing types, enlarge and extend', () => {
    assert.deepEqual(size(['rs:fit:400:400']), [400, 250]);
    assert.deepEqual(size(['rs:fill:400:400']), [400, 400]);
    assert.deepEqual(size(['rs:force:400:400']), [400, 400]);
    assert.deepEqual(size(['rs:fit:1600:1600']), [800, 500]);
    assert.deepEqual(size(['rs:fit:1600:1600:1']), [1600, 1000]);
    assert.deepEqual(size(['rs:fit:1600:1600:0:1']), [1600, 1600]);
    assert.deepEqual(size(['w:200']), [200, 125]);
    // auto: fill when the orientations match, fit when they differ.
    assert.deepEqual(size(['rs:auto:400:300']), [400, 300]);
    assert.deepEqual(size(['rs:auto:300:400']), [300, 188]);
  });

  it('dpr, zoom, min sizes, padding, crop and rotate', () => {
    assert.deepEqual(size(['w:200', 'dpr:2']), [400, 250]);
    assert.deepEqual(size(['w:200', 'z:2:1']), [400, 125]);
    assert.deepEqual(size(['rs:fit:400:400', 'exar:1']), [400, 400]);
    assert.deepEqual(size(['rs:fit:300:100', 'exar:1:we']), [300, 100]);
    assert.deepEqual(size(['w:200', 'mw:300']), [300, 188]);
    assert.deepEqual(size(['w:200', 'pd:10:20']), [240, 145]);
    assert.deepEqual(size(['w:200', 'pd:10', 'dpr:2']), [440, 290]);
    assert.deepEqual(size(['c:0.5:100']), [400, 100]);
    assert.deepEqual(size(['rot:90', 'w:100']), [100, 160]);
  });

  it('gravity offsets move the crop inward from its edge, kept inside the image', () => {
    const g = computeGeometry({ width: 800, height: 500 }, plan(['c:100:100:we:50:0']));
    assert.deepEqual(g.extract, { left: 50, top: 200, width: 100, height: 100 });
    const e = computeGeometry({ width: 800, height: 500 }, plan(['c:100:100:ea:50:0']));
    assert.deepEqual(e.extract, { left: 650, top: 200, width: 100, height: 100 });
    const far = computeGeometry({ width: 800, height: 500 }, plan(['c:100:100:we:5000:0']));
    assert.equal(far.extract?.left, 700);
  });

  it('defaults: auto format (Vary: Accept), copyright kept, auto-rotate on', () => {
    const p = plan([]);
    assert.equal(p.output.format, 'auto');
    assert.equal(p.metadata, 'copyright');
    assert.equal(p.autoOrient, true);
    assert.equal(plan([], 'jpg').output.format, 'jpeg');
    assert.equal(plan(['sm:0']).metadata, 'keep');
    assert.equal(plan(['kcr:0']).metadata, 'none');
    assert.equal(plan(['fq:webp:33'], 'webp').output.quality, 33);
    assert.deepEqual(
      imgproxyStatus(() => plan(['f:tiff'])),
      [422, 'Resulting image format is not supported'],
    );
    assert.deepEqual(
      imgproxyStatus(() => plan(['f:xyz'])),
      [404, 'Invalid URL'],
    );
  });

  it('is a plain plan: effects and output limits', () => {
    const p = plan(['bl:2', 'sh:1', 'pix:6', 'mb:5000', 'bg:00ff00', 'ar:0']);
    assert.deepEqual(p.effects, { blur: 2, sharpen: 1, pixelate: 6 });
    assert.equal(p.output.maxBytes, 5000);
    assert.deepEqual(p.background, { r: 0, g: 255, b: 0, alpha: 1 });
    assert.equal(p.autoOrient, false);
    assert.deepEqual(normalizePlan(emptyPlan()).effects, {});
  });
});
