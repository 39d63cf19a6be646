import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { parseGetstreamParams } from '../../../src/core/images/parse-getstream-params.js';
import { parseUploadcareOps } from '../../../src/core/images/parse-uploadcare-ops.js';
import { computeGeometry } from '../../../src/core/images/pipeline/compute-geometry.js';
import { normalizePlan } from '../../../src/core/images/transform-plan.js';

const SRC = { width: 2000, height: 1000 };
const gs = (q: Record<string, string>, src = SRC) =>
  computeGeometry(src, normalizePlan(parseGetstreamParams(q)));
const cf = (s: string, src = SRC) => computeGeometry(src, normalizePlan(parseCloudflareOptions(s)));
const uc = (s: string, src = SRC) => computeGeometry(src, normalizePlan(parseUploadcareOps(s)));

describe('computeGeometry', () => {
  it('clip fits inside the box', () => {
    assert.deepEqual(gs({ w: '500', h: '500', resize: 'clip' }), {
      orient: { flop: false, angle: 0 },
      resize: { width: 500, height: 250 },
      width: 500,
      height: 250,
    });
  });

  it('crop fills the box and cuts at the crop position', () => {
    const center = gs({ w: '500', h: '500', resize: 'crop' });
    assert.deepEqual(center.extract, { left: 500, top: 0, width: 1000, height: 1000 });
    assert.deepEqual(center.resize, { width: 500, height: 500 });
    assert.equal(gs({ w: '500', h: '500', resize: 'crop', crop: 'left' }).extract?.left, 0);
    assert.equal(gs({ w: '500', h: '500', resize: 'crop', crop: 'right' }).extract?.left, 1000);
  });

  it('scale stretches; fill pads to exactly the box', () => {
    assert.deepEqual(gs({ w: '300', h: '300', resize: 'scale' }).resize, { width: 300, height: 300 });
    const fill = gs({ w: '500', h: '500', resize: 'fill' });
    assert.deepEqual(fill.resize, { width: 500, height: 250 });
    assert.deepEqual(fill.extend, { top: 125, left: 0, right: 0, bottom: 125 });
    assert.deepEqual([fill.width, fill.height], [500, 500]);
  });

  it('one given side is kept exactly, whatever the rounding of the other (found by bench/load)', () => {
    const src = { width: 1280, height: 800 };
    for (let w = 100; w < 1280; w += 7) {
      const g = cf(`width=${w}`, src);
      assert.deepEqual([g.width, g.height], [w, Math.round((w * 800) / 1280)], `width=${w}`);
    }
    for (let h = 50; h < 800; h += 7) assert.equal(cf(`height=${h}`, src).height, h, `height=${h}`);
    assert.deepEqual([uc('-/resize/103x/', src).width, gs({ w: '103' }, src).width], [103, 103]);
    assert.deepEqual(cf('width=103,height=103,fit=pad', src), {
      ...cf('width=103,height=103,fit=pad', src),
      width: 103,
      height: 103,
    });
  });

  it('scale-down never enlarges; contain does', () => {
    assert.deepEqual([cf('w=4000').width, cf('w=4000').height], [2000, 1000]);
    assert.deepEqual([cf('w=4000,fit=contain').width, cf('w=4000,fit=contain').height], [4000, 2000]);
  });

  it('fit=crop behaves like cover when larger and never enlarges when smaller', () => {
    const larger = cf('w=500,h=500,fit=crop');
    assert.deepEqual([larger.width, larger.height], [500, 500]);
    const smaller = cf('w=3000,h=500,fit=crop');
    assert.deepEqual(smaller.extract, { left: 0, top: 250, width: 2000, height: 500 });
    assert.equal(smaller.resize, undefined);
  });

  it('focus gravity centres the point and clamps to the edges', () => {
    assert.equal(cf('w=500,h=500,fit=cover,gravity=0.9x0.5').extract?.left, 1000);
    assert.equal(cf('w=500,h=500,fit=cover,gravity=0.6x0.5').extract?.left, 700);
  });

  it('quarter turns swap the axes before sizes apply', () => {
    const g = cf('rotate=90,w=100');
    assert.deepEqual(g.orient, { flop: false, angle: 90 });
    assert.deepEqual([g.width, g.height], [100, 200]);
    assert.deepEqual(cf('flip=v').orient, { flop: true, angle: 180 });
    assert.deepEqual(cf('flip=hv').orient, { flop: false, angle: 180 });
  });

  it('a crop after a resize uses resized coordinates (Uploadcare chains)', () => {
    const g = uc('-/resize/1000x/-/crop/100x100/0,0/');
    assert.deepEqual(g.extract, { left: 0, top: 0, width: 200, height: 200 });
    assert.deepEqual(g.resize, { width: 100, height: 100 });
  });

  it('a crop then a rotation maps the crop into the rotated frame', () => {
    // Keep the left half, then turn it clockwise: the source's left half, oriented by 90 degrees.
    const g = uc('-/crop/1000x1000/0,0/-/rotate/270/');
    assert.deepEqual(g.orient, { flop: false, angle: 90 });
    assert.deepEqual(g.extract, { left: 0, top: 0, width: 1000, height: 1000 });
  });

  it('a crop larger than the image pads with the fill colour', () => {
    const g = uc('-/crop/2200x1000/center/');
    assert.deepEqual(g.extend, { top: 0, left: 100, right: 100, bottom: 0 });
    assert.deepEqual([g.width, g.height], [2200, 1000]);
  });

  it('aspect crops take the largest box of the ratio', () => {
    assert.deepEqual(uc('-/crop/1:1/').extract, { left: 500, top: 0, width: 1000, height: 1000 });
  });

  it('smart cover hands the window to libvips', () => {
    const g = cf('w=300,h=300,fit=cover,gravity=auto');
    assert.deepEqual(g.smart, { width: 300, height: 300, strategy: 'attention' });
    assert.equal(g.resize, undefined);
  });

  it('trim edges then resize', () => {
    const g = cf('trim=0;1000;0;0,w=100');
    assert.deepEqual(g.extract, { left: 0, top: 0, width: 1000, height: 1000 });
    assert.deepEqual([g.width, g.height], [100, 100]);
    assert.throws(() => cf('trim=0;2000;0;0'), /whole image/);
  });

  it('refuses crops entirely outside the image', () => {
    assert.throws(() => uc('-/crop/10x10/3000,3000/'), /outside the image/);
  });
});
