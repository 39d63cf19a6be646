import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTENT_TYPES } from '../../../src/core/images/format-negotiation.js';
import {
  IMAGE_FORMATS,
  imageFormatOfMime,
  imageFormatOfSharpName,
  isProcessableImage,
  PROCESSABLE_IMAGE_TYPES,
} from '../../../src/core/images/image-formats.js';

test('every format the engine saves has its media type in the output table', () => {
  for (const f of IMAGE_FORMATS.filter((x) => x.save)) {
    assert.equal(CONTENT_TYPES[f.name as keyof typeof CONTENT_TYPES], f.mime);
  }
});

test('the processable types are the seven the engine decodes', () => {
  assert.deepEqual([...PROCESSABLE_IMAGE_TYPES].sort(), [
    'image/avif',
    'image/gif',
    'image/jpeg',
    'image/png',
    'image/svg+xml',
    'image/tiff',
    'image/webp',
  ]);
  assert.ok(isProcessableImage('Image/PNG; charset=x'));
  assert.ok(!isProcessableImage('image/bmp'));
  assert.ok(!isProcessableImage('video/mp4'));
});

test("sharp's names map to the table (AVIF is read as heif)", () => {
  assert.equal(imageFormatOfSharpName('heif')?.mime, 'image/avif');
  assert.equal(imageFormatOfSharpName('svg')?.mime, 'image/svg+xml');
  assert.equal(imageFormatOfSharpName('bmp'), undefined);
  assert.equal(imageFormatOfMime('image/jpeg')?.extensions[0], 'jpg');
});
