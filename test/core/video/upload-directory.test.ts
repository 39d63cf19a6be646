import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { transcode } from '../../../src/core/video/transcode.js';
import { uploadDirectory } from '../../../src/core/video/upload-directory.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';
import { makeVideoFixtures, type VideoFixtures } from '../../support/video-fixtures.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('uploadDirectory', () => {
  let blobs: TestBlobStore;
  let media: VideoFixtures;
  before(async () => {
    blobs = await openTestBlobStore();
    media = await makeVideoFixtures();
  });
  after(async () => {
    await blobs.close();
    await media.remove();
  });

  it('uploads a transcode output under a prefix, keeping its layout byte for byte', async () => {
    const result = await transcode(media.noAudio);
    try {
      const uploaded = await uploadDirectory(blobs.store, result.dir, 'videos/abc123/');
      const local = (await readdir(join(result.dir, 'manifest'))).sort();
      assert.deepEqual(
        uploaded.map((b) => b.key).sort(),
        local.map((f) => `videos/abc123/manifest/${f}`),
      );
      for (const name of ['video.m3u8', 'video.mpd', 'init-0.m4s']) {
        const stored = await readAll(await blobs.store.get(`videos/abc123/manifest/${name}`));
        assert.deepEqual(stored, await readFile(join(result.dir, 'manifest', name)), name);
      }
    } finally {
      await result.dispose();
    }
  });

  it('uploads nested directories and stops on an aborted signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-upload-dir-'));
    try {
      await mkdir(join(dir, 'a', 'b'), { recursive: true });
      await writeFile(join(dir, 'a', 'b', 'c.jpg'), 'jpeg');
      await writeFile(join(dir, 'top.mpd'), 'mpd');
      const uploaded = await uploadDirectory(blobs.store, dir, 'nested');
      assert.deepEqual(uploaded.map((b) => b.key).sort(), ['nested/a/b/c.jpg', 'nested/top.mpd']);
      await assert.rejects(uploadDirectory(blobs.store, dir, 'aborted', { signal: AbortSignal.abort() }), {
        name: 'AbortError',
      });
      const left: string[] = [];
      for await (const blob of blobs.store.list('aborted')) left.push(blob.key);
      assert.deepEqual(left, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
