import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { fixturePhotoPath } from './test-images.js';

/** Small real media, produced by the real tools, for sniffing and delivery tests. */
export async function samplePng(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#c04020' } })
    .png()
    .toBuffer();
}

export async function sampleJpeg(): Promise<Buffer> {
  return readFile(fixturePhotoPath('cups'));
}

/** One second of 320x240 test pattern, H.264 in MP4. */
export async function sampleMp4(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-mp4-'));
  try {
    const out = join(dir, 'sample.mp4');
    await promisify(execFile)('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=15:duration=1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      out,
    ]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
