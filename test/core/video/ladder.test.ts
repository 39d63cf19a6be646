import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLadder, STANDARD_RUNGS } from '../../../src/core/video/ladder.js';

const names = (w: number, h: number) => buildLadder({ width: w, height: h }).map((r) => r.name);

describe('buildLadder', () => {
  it('takes every standard rung up to the source, lowest first', () => {
    assert.deepEqual(names(1920, 1080), ['240p', '360p', '480p', '720p', '1080p']);
    assert.deepEqual(
      names(3840, 2160),
      STANDARD_RUNGS.map((r) => `${r.shortSide}p`),
    );
    assert.deepEqual(names(640, 360), ['240p', '360p']);
    assert.deepEqual(names(1280, 700), ['240p', '360p', '480p']);
  });

  it('never exceeds the source in either dimension, keeps dimensions even and the aspect ratio', () => {
    const sources = [
      [1920, 1080],
      [1080, 1920],
      [640, 360],
      [360, 640],
      [1000, 1000],
      [1281, 721],
      [427, 240],
      [2560, 1080],
      [721, 1283],
    ];
    for (const [w, h] of sources) {
      const ladder = buildLadder({ width: w!, height: h! });
      assert.ok(ladder.length >= 1);
      for (const r of ladder) {
        assert.ok(r.width <= w! && r.height <= h!, `${r.width}x${r.height} above ${w}x${h}`);
        assert.equal(r.width % 2, 0, `odd width ${r.width}`);
        assert.equal(r.height % 2, 0, `odd height ${r.height}`);
        assert.ok(Math.abs(r.width / r.height - w! / h!) < 0.02, `${r.width}x${r.height} distorts ${w}x${h}`);
      }
      const bitrates = ladder.map((r) => r.videoBitrate);
      assert.deepEqual(
        [...bitrates].sort((a, b) => a - b),
        bitrates,
        'bitrates rise with size',
      );
    }
  });

  it('names portrait rungs after the short side', () => {
    const ladder = buildLadder({ width: 1080, height: 1920 });
    assert.deepEqual(ladder.at(-1), { ...ladder.at(-1)!, name: '1080p', width: 1080, height: 1920 });
    assert.deepEqual(
      buildLadder({ width: 360, height: 640 }).map((r) => [r.width, r.height]),
      [
        [240, 426],
        [360, 640],
      ],
    );
  });

  it('gives a source below the lowest rung one rendition at its own (even) size', () => {
    const [only, ...rest] = buildLadder({ width: 161, height: 91 });
    assert.equal(rest.length, 0);
    assert.equal(only!.width, 160);
    assert.equal(only!.height, 90);
    assert.ok(only!.videoBitrate > 0 && only!.videoBitrate <= STANDARD_RUNGS[0]!.bitrate);
  });

  it('spends more bits on high frame rates', () => {
    const at30 = buildLadder({ width: 1280, height: 720, fps: 30 });
    const at60 = buildLadder({ width: 1280, height: 720, fps: 60 });
    assert.ok(at60.at(-1)!.videoBitrate > at30.at(-1)!.videoBitrate);
  });

  it('refuses a degenerate source size', () => {
    assert.throws(() => buildLadder({ width: 0, height: 0 }), RangeError);
  });
});
