import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assetKindFromContentType, sniffContentType } from '../../../src/core/ingest/sniff-content-type.js';
import { sampleJpeg, sampleMp4, samplePng } from '../../support/media-samples.js';

describe('sniffContentType', () => {
  it('trusts the bytes over the declared type', async () => {
    const png = await samplePng();
    assert.deepEqual(await sniffContentType(png.subarray(0, 4100), 'image/gif'), {
      contentType: 'image/png',
      extension: 'png',
    });
    const jpeg = await sampleJpeg();
    assert.deepEqual(await sniffContentType(jpeg.subarray(0, 4100), 'text/plain'), {
      contentType: 'image/jpeg',
      extension: 'jpg',
    });
    const mp4 = await sampleMp4();
    assert.equal((await sniffContentType(mp4.subarray(0, 4100))).contentType, 'video/mp4');
  });

  it('falls back to the declared type, normalised, for formats without a signature', async () => {
    const csv = Buffer.from('a,b\n1,2\n');
    assert.deepEqual(await sniffContentType(csv, 'Text/CSV; charset=utf-8'), {
      contentType: 'text/csv',
      extension: 'csv',
    });
    assert.deepEqual(await sniffContentType(csv, 'application/x-kiln-unknown'), {
      contentType: 'application/x-kiln-unknown',
    });
  });

  it('keeps a declared +xml type over the generic application/xml', async () => {
    const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>');
    assert.equal((await sniffContentType(svg, 'image/svg+xml')).contentType, 'image/svg+xml');
    assert.equal((await sniffContentType(svg)).contentType, 'application/xml');
  });

  it('answers application/octet-stream when nothing is known', async () => {
    assert.deepEqual(await sniffContentType(Buffer.from([1, 2, 3, 4])), {
      contentType: 'application/octet-stream',
    });
    assert.deepEqual(await sniffContentType(Buffer.alloc(0), 'application/octet-stream'), {
      contentType: 'application/octet-stream',
    });
    assert.deepEqual(await sniffContentType(Buffer.from('x'), 'not a type'), {
      contentType: 'application/octet-stream',
    });
  });
});

describe('assetKindFromContentType', () => {
  const cases: Array<[string, string]> = [
    ['image/png', 'image'],
    ['IMAGE/JPEG; q=1', 'image'],
    ['image/svg+xml', 'image'],
    ['video/mp4', 'video'],
    ['video/quicktime', 'video'],
    ['audio/mpeg', 'file'],
    ['application/pdf', 'file'],
    ['application/octet-stream', 'file'],
  ];
  for (const [type, kind] of cases) {
    it(`${type} -> ${kind}`, () => assert.equal(assetKindFromContentType(type), kind));
  }
});
