import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { renderAnimatedPreview } from '../../../src/core/video/animated-preview.js';
import { extractThumbnail, resolveFrameTime } from '../../../src/core/video/thumbnail.js';
import { decode, makeVideoFixtures, type VideoFixtures } from '../../support/video-fixtures.js';

describe('thumbnails and animated previews', () => {
  let media: VideoFixtures;
  before(async () => {
    media = await makeVideoFixtures();
  });
  after(() => media.remove());

  /** Writes the bytes out and decodes them with the ffprobe CLI. */
  async function inspect(bytes: Buffer, name: string) {
    const path = join(media.dir, name);
    await writeFile(path, bytes);
    const { streams } = await decode(path);
    return streams[0]!;
  }

  it('extracts a JPEG at the display size by default', async () => {
    const jpeg = await extractThumbnail(media.withAudio, { seconds: 1 });
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const s = await inspect(jpeg, 'default.jpg');
    assert.deepEqual([s.width, s.height], [640, 360]);
  });

  it('sizes the JPEG for each fit', async () => {
    const expected = { crop: [200, 200], fill: [200, 200], scale: [200, 200], clip: [200, 113] } as const;
    for (const [fit, size] of Object.entries(expected)) {
      const jpeg = await extractThumbnail(media.withAudio, {
        pct: 0.5,
        width: 200,
        height: 200,
        fit: fit as 'crop',
      });
      const s = await inspect(jpeg, `${fit}.jpg`);
      assert.deepEqual([s.width, s.height], size, fit);
    }
  });

  it('keeps the aspect ratio with only a width, and turns rotated sources upright', async () => {
    const s = await inspect(await extractThumbnail(media.rotated, { width: 180 }), 'rotated.jpg');
    assert.deepEqual([s.width, s.height], [180, 320]);
  });

  it('still finds a frame when asked for a time past the end', async () => {
    const s = await inspect(await extractThumbnail(media.noAudio, { seconds: 60 }), 'late.jpg');
    assert.deepEqual([s.width, s.height], [320, 240]);
    assert.equal(resolveFrameTime({ seconds: 60 }, 3), 2.75);
    assert.equal(resolveFrameTime({ pct: 0.5 }, 3), 1.5);
  });

  it('rejects bad sizes and non-video input with clear errors', async () => {
    await assert.rejects(extractThumbnail(media.withAudio, { width: 0 }), { code: 'invalid_input' });
    await assert.rejects(
      extractThumbnail(media.notVideo),
      (err) => err instanceof KilnError && err.code === 'processing_failed',
    );
  });

  it('renders an animated GIF with several frames at the requested height', async () => {
    const gif = await renderAnimatedPreview(media.withAudio, {
      seconds: 0.5,
      duration: 2,
      fps: 5,
      height: 120,
    });
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    const s = await inspect(gif, 'preview.gif');
    assert.deepEqual([s.width, s.height], [214, 120]);
    assert.equal(Number(s.nb_read_frames), 10);
  });

  it('refuses GIF options out of bounds', async () => {
    await assert.rejects(renderAnimatedPreview(media.withAudio, { duration: 60 }), { code: 'invalid_input' });
    await assert.rejects(renderAnimatedPreview(media.withAudio, { fps: 0 }), { code: 'invalid_input' });
  });
});
