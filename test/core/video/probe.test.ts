import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { probeMedia } from '../../../src/core/video/probe.js';
import { ffmpeg, makeVideoFixtures, type VideoFixtures } from '../../support/video-fixtures.js';

describe('probeMedia', () => {
  let media: VideoFixtures;
  before(async () => {
    media = await makeVideoFixtures();
  });
  after(() => media.remove());

  it('describes a video with audio', async () => {
    const p = await probeMedia(media.withAudio);
    assert.equal(p.width, 640);
    assert.equal(p.height, 360);
    assert.equal(p.rotation, 0);
    assert.equal(p.fps, 30);
    assert.equal(p.videoCodec, 'h264');
    assert.equal(p.audioCodec, 'aac');
    assert.equal(p.hasVideo, true);
    assert.equal(p.hasAudio, true);
    assert.ok(Math.abs(p.durationSeconds - 3) < 0.1, `duration ${p.durationSeconds}`);
    assert.equal(p.sizeBytes, (await stat(media.withAudio)).size);
    assert.match(p.formatName, /mp4/);
    assert.ok(p.bitrate > 0);
  });

  it('describes a video without audio', async () => {
    const p = await probeMedia(media.noAudio);
    assert.equal(p.hasAudio, false);
    assert.equal(p.audioCodec, undefined);
    assert.equal(p.fps, 25);
    assert.deepEqual([p.width, p.height], [320, 240]);
  });

  it('reports display dimensions of a rotated video', async () => {
    const p = await probeMedia(media.rotated);
    assert.ok(p.rotation === 90 || p.rotation === 270, `rotation ${p.rotation}`);
    assert.deepEqual([p.width, p.height], [360, 640]);
  });

  it('reports the display width of an anamorphic video', async () => {
    const anamorphic = join(media.dir, 'anamorphic.mp4');
    await ffmpeg([
      '-i',
      media.noAudio,
      '-vf',
      'setsar=4/3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      anamorphic,
    ]);
    const p = await probeMedia(anamorphic);
    assert.deepEqual([p.width, p.height], [427, 240]);
  });

  for (const [name, file] of [
    ['random bytes', 'notVideo'],
    ['a truncated MP4', 'truncated'],
  ] as const) {
    it(`rejects ${name} as not a valid video file`, async () => {
      await assert.rejects(probeMedia(media[file]), (err) => {
        assert.ok(err instanceof KilnError);
        assert.equal(err.code, 'processing_failed');
        assert.match(err.message, /not a valid video file/);
        return true;
      });
    });
  }
});
