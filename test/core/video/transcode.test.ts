import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { type TranscodeResult, transcode } from '../../../src/core/video/transcode.js';
import { decode, ffmpeg, makeVideoFixtures, type VideoFixtures } from '../../support/video-fixtures.js';

interface MasterEntry {
  resolution: string;
  bandwidth: number;
  uri: string;
}

function parseMaster(text: string): { entries: MasterEntry[]; audioUri?: string } {
  const lines = text.split('\n').map((l) => l.trim());
  assert.equal(lines[0], '#EXTM3U');
  const entries: MasterEntry[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const resolution = /RESOLUTION=(\d+x\d+)/.exec(line)?.[1];
    const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(line)?.[1]);
    assert.ok(resolution && bandwidth > 0, `incomplete ${line}`);
    entries.push({ resolution, bandwidth, uri: lines.slice(i + 1).find((l) => l && !l.startsWith('#'))! });
  });
  const audioUri = /#EXT-X-MEDIA:TYPE=AUDIO.*URI="([^"]+)"/.exec(text)?.[1];
  return { entries, audioUri };
}

function mpdVideoSizes(mpd: string): string[] {
  return [
    ...mpd.matchAll(/<Representation [^>]*mimeType="video\/mp4"[^>]*width="(\d+)" height="(\d+)"/g),
  ].map((m) => `${m[1]}x${m[2]}`);
}

/** Checks the layout, both manifests, and that every rendition decodes at its size and the source's length. */
async function assertPackaged(result: TranscodeResult, expectedSizes: string[], sourceSeconds: number) {
  const manifestDir = join(result.dir, 'manifest');
  const master = await readFile(join(result.dir, result.hlsManifest), 'utf8');
  const { entries, audioUri } = parseMaster(master);
  assert.deepEqual(
    entries.map((e) => e.resolution),
    expectedSizes,
  );
  assert.deepEqual(
    result.renditions.map((r) => `${r.width}x${r.height}`),
    expectedSizes,
  );
  assert.equal(audioUri !== undefined, result.hasAudio, 'audio group iff the source has audio');

  const mpd = await readFile(join(result.dir, result.dashManifest), 'utf8');
  assert.match(mpd, /type="static"/);
  assert.deepEqual(mpdVideoSizes(mpd), expectedSizes, 'the MPD has the same representations');
  assert.equal(/mimeType="audio\/mp4"/.test(mpd), result.hasAudio);
  // Relative URLs only, so any blob prefix (and any public URL) works.
  assert.doesNotMatch(mpd, /<BaseURL/);
  const urls = [
    ...[...mpd.matchAll(/(?:initialization|media)="([^"]+)"/g)].map((m) => m[1]!),
    ...master.split('\n').filter((l) => l && !l.startsWith('#')),
    ...[...master.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!),
  ];
  assert.ok(urls.length > 0);
  for (const url of urls) assert.doesNotMatch(url, /[:/]/, `${url} is not relative to the manifest`);

  for (const entry of entries) {
    const decoded = await decode(join(manifestDir, entry.uri));
    const video = decoded.streams.find((s) => s.codec_type === 'video')!;
    assert.equal(`${video.width}x${video.height}`, entry.resolution);
    assert.ok(!video.side_data_list?.some((d) => d.rotation), 'renditions carry no rotation');
    assert.ok(Number(video.nb_read_frames) > 0);
    assert.ok(Math.abs(decoded.duration - sourceSeconds) <= 0.2, `${entry.uri} lasts ${decoded.duration} s`);
  }
  if (audioUri) {
    const decoded = await decode(join(manifestDir, audioUri));
    assert.equal(decoded.streams[0]!.codec_type, 'audio');
    assert.ok(Math.abs(decoded.duration - sourceSeconds) <= 0.2, `audio lasts ${decoded.duration} s`);
  }
}

describe('transcode', () => {
  let media: VideoFixtures;
  let tempRoot: string;
  before(async () => {
    media = await makeVideoFixtures();
    tempRoot = await mkdtemp(join(tmpdir(), 'kiln-transcode-test-'));
  });
  after(async () => {
    await media.remove();
    await rm(tempRoot, { recursive: true, force: true });
  });

  it('packages every rung as HLS and DASH from one set of segments, with progress up to 1', async () => {
    const progress: number[] = [];
    const result = await transcode(media.withAudio, { tempRoot, onProgress: (f) => progress.push(f) });
    try {
      assert.equal(result.hasAudio, true);
      await assertPackaged(result, ['426x240', '640x360'], 3);
      assert.equal(progress.at(-1), 1);
      assert.ok(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]!)));
      const files = await readdir(join(result.dir, 'manifest'));
      // One segment set: HLS media playlists reference the same chunks the MPD templates name.
      const hls0 = await readFile(join(result.dir, 'manifest', 'media_0.m3u8'), 'utf8');
      for (const chunk of hls0.split('\n').filter((l) => l.endsWith('.m4s')))
        assert.ok(files.includes(chunk));
      assert.match(hls0, /#EXT-X-MAP:URI="init-0\.m4s"/);
      assert.ok(!files.some((f) => f.endsWith('.ts')), 'no separate MPEG-TS copy');
    } finally {
      await result.dispose();
    }
  });

  it('handles a source without audio', async () => {
    const result = await transcode(media.noAudio, { tempRoot });
    try {
      assert.equal(result.hasAudio, false);
      await assertPackaged(result, ['320x240'], 3);
    } finally {
      await result.dispose();
    }
  });

  it('turns a rotated source upright at its display size', async () => {
    const result = await transcode(media.rotated, { tempRoot });
    try {
      await assertPackaged(result, ['240x426', '360x640'], 3);
    } finally {
      await result.dispose();
    }
  });

  it('gives a source smaller than the lowest rung one rendition at its own size', async () => {
    const result = await transcode(media.tiny, { tempRoot });
    try {
      await assertPackaged(result, ['160x90'], 2);
    } finally {
      await result.dispose();
    }
  });

  for (const file of ['notVideo', 'truncated'] as const) {
    it(`fails with processing_failed on ${file} input and leaves no directory`, async () => {
      await assert.rejects(transcode(media[file], { tempRoot }), (err) => {
        assert.ok(err instanceof KilnError);
        assert.equal(err.code, 'processing_failed');
        assert.match(err.message, /not a valid video file/);
        return true;
      });
      assert.deepEqual(await readdir(tempRoot), []);
    });
  }

  it('refuses an audio-only file as non-video', async () => {
    const audio = join(media.dir, 'audio-only.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '1', '-c:a', 'aac', audio]);
    await assert.rejects(transcode(audio, { tempRoot }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.details.rejection, 'non_video');
      return true;
    });
  });

  it('rejects a file whose index is intact but whose media is cut short', async () => {
    await assert.rejects(transcode(media.truncatedIndexed, { tempRoot }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.code, 'processing_failed');
      assert.match(err.message, /truncated or corrupt/);
      assert.equal(err.details.rejection, 'malformed');
      return true;
    });
    assert.deepEqual(await readdir(tempRoot), []);
  });

  it('reports an ffmpeg failure as processing_failed and cleans up', async () => {
    const result = await transcode(media.withAudio, {
      tempRoot,
      rungs: [{ name: 'bad', width: 0, height: 0, videoBitrate: 1, maxBitrate: 1, bufferSize: 1 }],
    }).catch((err: unknown) => err);
    assert.ok(result instanceof KilnError, 'an impossible rendition size must fail');
    assert.equal(result.code, 'processing_failed');
    assert.match(result.message, /^ffmpeg exited with code/);
    assert.deepEqual(await readdir(tempRoot), []);
  });

  it('kills ffmpeg and removes the temporary directory when aborted', async () => {
    const long = join(media.dir, 'long.mp4');
    await ffmpeg(
      ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '20'].concat([
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        long,
      ]),
    );
    const controller = new AbortController();
    const reason = new Error('worker shutting down');
    const started = Date.now();
    await assert.rejects(
      transcode(long, {
        tempRoot,
        signal: controller.signal,
        onProgress: (f) => {
          if (f > 0 && f < 1) controller.abort(reason);
        },
      }),
      (err) => err === reason,
    );
    assert.ok(Date.now() - started < 15_000);
    assert.deepEqual(await readdir(tempRoot), []);
  });
});
