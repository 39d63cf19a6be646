import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PathProblem,
  parseDocumentPath,
  parseVideoPath,
} from '../../../src/core/uploadcare/conversion-paths.js';
import { sizeFilter, videoArgs } from '../../../src/core/uploadcare/video-conversion.js';

const BASE = 'https://kiln.example';
const U = 'd52d7136-a2e5-4338-9f45-affbf83b857d';

test('video paths: every operation, uuid or CDN URL, defaults', () => {
  assert.deepEqual(parseVideoPath(`${U}/video/`, BASE), {
    uuid: U,
    plan: { format: 'mp4', quality: 'normal' },
  });
  assert.deepEqual(parseVideoPath(U, BASE).uuid, U);
  assert.deepEqual(
    parseVideoPath(
      `${BASE}/${U}/video/-/format/ogg/-/size/640x/-/quality/best/-/cut/000:01:02.500/end/-/thumbs~10/`,
      BASE,
    ).plan,
    {
      format: 'ogg',
      quality: 'best',
      size: { width: 640, height: undefined, mode: 'preserve_ratio' },
      cut: { start: 62.5, length: 'end' },
      thumbs: 10,
    },
  );
  assert.deepEqual(parseVideoPath(`${U}/video/-/size/320x240/add_padding/-/cut/5/1.5/`, BASE).plan, {
    format: 'mp4',
    quality: 'normal',
    size: { width: 320, height: 240, mode: 'add_padding' },
    cut: { start: 5, length: 1.5 },
  });
});

test('video paths: each bad input is a problem, never a guess', () => {
  for (const path of [
    'not-a-uuid/video/',
    `https://elsewhere.example/${U}/video/`,
    `${U}/video/-/format/avi/`,
    `${U}/video/-/size/321x240/`,
    `${U}/video/-/size/x/`,
    `${U}/video/-/size/320x/scale_crop/`,
    `${U}/video/-/size/320x240/stretch/`,
    `${U}/video/-/quality/ultra/`,
    `${U}/video/-/cut/abc/5/`,
    `${U}/video/-/thumbs~51/`,
    `${U}/video/-/rotate/90/`,
  ]) {
    assert.throws(() => parseVideoPath(path, BASE), PathProblem, path);
  }
});

test('document paths: images to jpg/png/webp only', () => {
  assert.deepEqual(parseDocumentPath(`${U}/document/-/format/jpeg/`, BASE).plan, { format: 'jpg' });
  assert.throws(
    () => parseDocumentPath(`${U}/document/-/format/pdf/`, BASE),
    /Conversion to pdf is not supported/,
  );
  assert.throws(
    () => parseDocumentPath(`${U}/document/-/format/png/-/page/2/`, BASE),
    /Unsupported operation/,
  );
});

test('ffmpeg arguments follow the plan', () => {
  assert.equal(
    sizeFilter({ width: 200, height: 100, mode: 'scale_crop' }),
    'scale=200:100:force_original_aspect_ratio=increase,crop=200:100,setsar=1',
  );
  assert.equal(sizeFilter({ height: 360, mode: 'preserve_ratio' }), 'scale=-2:360');
  const args = videoArgs(
    'in',
    'out',
    { format: 'webm', quality: 'best', cut: { start: 2, length: 3 } },
    false,
  );
  assert.deepEqual(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 2), ['-ss', '2.000']);
  assert.deepEqual(args.slice(args.indexOf('-t'), args.indexOf('-t') + 2), ['-t', '3.000']);
  assert.ok(args.includes('libvpx') && args.includes('-an') && !args.includes('0:a:0'));
  assert.equal(args.at(-1), 'out');
});
