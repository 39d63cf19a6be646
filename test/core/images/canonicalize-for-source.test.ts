import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalizeForSource } from '../../../src/core/images/canonicalize-for-source.js';
import { estimateTransformCost } from '../../../src/core/images/estimate-cost.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { parseUploadcareOps } from '../../../src/core/images/parse-uploadcare-ops.js';
import type { SourceMeta } from '../../../src/core/images/source-meta.js';
import { canonicalKey } from '../../../src/core/images/transform-plan.js';

const source = (width: number, height: number, format = 'png', channels = 3): SourceMeta => ({
  format,
  width,
  height,
  pages: 1,
  hasAlpha: channels === 4,
  channels,
  depth: 'uchar',
  orientation: 1,
  size: 1000,
  hasProfile: false,
  space: 'srgb',
  isProgressive: false,
});

const key = (options: string, meta = source(1000, 600), format = 'jpeg' as const) =>
  canonicalKey(canonicalizeForSource(parseCloudflareOptions(options), meta, format));

test('plans whose results cannot differ for the source share one key', () => {
  const one = key('w=1000,fit=scale-down');
  for (const o of [
    'w=1001,fit=scale-down',
    'w=4000,fit=scale-down',
    'w=4000,h=4000,fit=scale-down',
    'fit=scale-down,w=8000,q=85',
  ]) {
    assert.equal(key(o), one, o);
  }
  assert.equal(key('w=4000,fit=scale-down'), key('fit=scale-down'));
  // Quality at the encoder's default is the default; PNG has no quality at all.
  const ucKey = (ops: string, format: 'jpeg' | 'png') =>
    canonicalKey(canonicalizeForSource(parseUploadcareOps(ops), source(1000, 600), format));
  assert.equal(ucKey('-/resize/500x/-/quality/smart/', 'png'), ucKey('-/resize/500x/', 'png'));
  assert.equal(ucKey('-/resize/1000x600/', 'jpeg'), ucKey('-/preview/', 'jpeg'));
});

test('plans that do change the result keep their own keys', () => {
  assert.notEqual(key('w=999,fit=scale-down'), key('w=1000,fit=scale-down'));
  assert.notEqual(key('w=2000,fit=contain'), key('w=1000,fit=contain'));
  assert.notEqual(key('w=2000,fit=pad,h=2000'), key('fit=scale-down'));
  assert.notEqual(key('w=500,q=60'), key('w=500,q=61'));
});

test('the cost estimate follows pixels in (after shrink-on-load), pixels out, bands and frames', () => {
  const png = estimateTransformCost(source(8000, 8000), parseCloudflareOptions('w=100'), 'jpeg');
  assert.ok(png.bytes >= 8000 * 8000 * 3, `${png.bytes}`);
  // JPEG decodes at 1/8 for a thumbnail.
  const jpeg = estimateTransformCost(source(8000, 8000, 'jpeg'), parseCloudflareOptions('w=100'), 'jpeg');
  assert.equal(jpeg.pixelsIn, 1000 * 1000);
  // A tiny source padded to a huge box costs its output.
  const pad = estimateTransformCost(source(10, 10), parseCloudflareOptions('w=8192,h=8192,fit=pad'), 'png');
  assert.equal(pad.pixelsOut, 8192 * 8192);
  assert.ok(pad.bytes > 8192 * 8192 * 3);
  const rgba = estimateTransformCost(
    source(1000, 1000, 'png', 4),
    parseCloudflareOptions('fit=scale-down'),
    'png',
  );
  const rgb = estimateTransformCost(
    source(1000, 1000, 'png', 3),
    parseCloudflareOptions('fit=scale-down'),
    'png',
  );
  assert.ok(rgba.bytes > rgb.bytes);
  assert.equal(
    estimateTransformCost(source(8000, 8000), parseCloudflareOptions('format=json'), 'json').bytes,
    0,
  );
});
