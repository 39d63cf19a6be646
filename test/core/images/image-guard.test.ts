import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { DEFAULT_IMAGE_LIMITS, inspectImage } from '../../../src/core/images/image-guard.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { runPipeline } from '../../../src/core/images/pipeline/run-pipeline.js';
import { animatedGif, fixturePhotos } from '../../support/test-images.js';

/** A valid PNG header and IHDR claiming width x height, with a tiny (wrong) IDAT: a decompression bomb's shape. */
function pngClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const isKiln = (code: string, message?: RegExp) => (e: unknown) =>
  e instanceof KilnError && e.code === code && e.status < 500 && (!message || message.test(e.message));

describe('image guard', () => {
  it('refuses a decompression bomb from its header, before decoding', async () => {
    const bomb = pngClaiming(50_000, 50_000);
    assert.ok(bomb.length < 2000);
    const started = process.hrtime.bigint();
    await assert.rejects(
      inspectImage(bomb, DEFAULT_IMAGE_LIMITS),
      isKiln('limit_exceeded', /2500000000 pixels/),
    );
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 500, 'answered from the header');
  });

  it('honours a configured pixel limit and counts every frame of an animation', async () => {
    const gif = await animatedGif(4, 64); // 4 x 4096 pixels
    await assert.rejects(
      inspectImage(gif, { ...DEFAULT_IMAGE_LIMITS, maxInputPixels: 10_000 }),
      isKiln('limit_exceeded', /4 frames/),
    );
    await assert.rejects(
      inspectImage(gif, { ...DEFAULT_IMAGE_LIMITS, maxFrames: 3 }),
      isKiln('limit_exceeded', /frames/),
    );
    const meta = await inspectImage(gif, DEFAULT_IMAGE_LIMITS);
    assert.deepEqual([meta.width, meta.height, meta.pages], [64, 64, 4]);
  });

  it('refuses outputs over the dimension limit', async () => {
    const photo = fixturePhotos()[0]!.data;
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxOutputDimension: 1000 };
    const meta = await inspectImage(photo, limits);
    await assert.rejects(
      runPipeline(photo, meta, parseCloudflareOptions('w=1200,fit=contain,f=jpeg'), 'jpeg', limits),
      isKiln('limit_exceeded', /1200x750/),
    );
  });

  it('refuses non-images and truncated files with a 4xx', async () => {
    await assert.rejects(
      inspectImage(Buffer.from('hello, not an image'), DEFAULT_IMAGE_LIMITS),
      isKiln('unsupported_media_type'),
    );
    await assert.rejects(
      inspectImage(Buffer.alloc(0), DEFAULT_IMAGE_LIMITS),
      isKiln('unsupported_media_type'),
    );
    const photo = fixturePhotos()[0]!.data;
    const truncated = photo.subarray(0, Math.floor(photo.length / 3));
    const meta = await inspectImage(truncated, DEFAULT_IMAGE_LIMITS); // the header is intact
    await assert.rejects(
      runPipeline(truncated, meta, parseCloudflareOptions('w=100,f=jpeg'), 'jpeg', DEFAULT_IMAGE_LIMITS),
      isKiln('invalid_input', /corrupt or truncated/),
    );
    const png = await sharp(photo).resize(200).png().toBuffer();
    const cut = png.subarray(0, png.length - 2000);
    const cutMeta = await inspectImage(cut, DEFAULT_IMAGE_LIMITS);
    await assert.rejects(
      runPipeline(cut, cutMeta, parseCloudflareOptions('w=100,f=png'), 'png', DEFAULT_IMAGE_LIMITS),
      isKiln('invalid_input'),
    );
  });

  it('rasterises plain SVG but refuses external references and entities', async () => {
    const ok = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>',
    );
    const meta = await inspectImage(ok, DEFAULT_IMAGE_LIMITS);
    const out = await runPipeline(
      ok,
      meta,
      parseCloudflareOptions('w=20,f=png'),
      'png',
      DEFAULT_IMAGE_LIMITS,
    );
    assert.equal(out.width, 20);
    for (const svg of [
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="http://127.0.0.1:9/x.png" width="10" height="10"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>',
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import url(https://example.com/a.css);</style></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect fill="url(https://example.com/p.svg#g)" width="10" height="10"/></svg>',
    ]) {
      await assert.rejects(
        inspectImage(Buffer.from(svg), DEFAULT_IMAGE_LIMITS),
        isKiln('unsupported_media_type', /SVG/),
        svg,
      );
    }
  });

  it('librsvg itself never fetches external references (defence in depth behind the screen)', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="http://127.0.0.1:${port}/x.png" width="10" height="10"/><image href="http://127.0.0.1:${port}/y.png" width="10" height="10"/></svg>`,
    );
    await sharp(svg)
      .png()
      .toBuffer()
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    server.close();
    assert.equal(requests, 0);
  });

  it('an SVG claiming a huge canvas is refused by the pixel limit', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>',
    );
    await assert.rejects(inspectImage(svg, DEFAULT_IMAGE_LIMITS), isKiln('limit_exceeded'));
  });
});
