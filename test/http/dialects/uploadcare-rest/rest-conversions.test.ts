import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  ConversionStatus,
  ConversionType,
  conversionInfo,
  conversionJobPoller,
  conversionJobStatus,
  convert,
  fileInfo,
  groupInfo,
  isRestClientError,
} from '@uploadcare/rest-client';
import { uploadFile } from '@uploadcare/upload-client';
import sharp from 'sharp';
import { makeVideoFixtures, type VideoFixtures } from '../../../support/video-fixtures.js';
import { smallPhoto } from '../uploadcare/uc-harness.js';
import { type RestHarness, startRest } from './rest-harness.js';

let h: RestHarness;
let videos: VideoFixtures;
before(async () => {
  [h, videos] = await Promise.all([startRest(), makeVideoFixtures()]);
});
after(async () => {
  await h?.kiln.close();
  await videos?.remove();
});

async function waitFinished(token: number, type = ConversionType.VIDEO) {
  for (let i = 0; i < 600; i++) {
    const s = await conversionJobStatus({ type, token }, h.signed);
    if (s.status === ConversionStatus.FINISHED || s.status === ConversionStatus.FAILED) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('conversion did not finish');
}

/** ffprobe, run on the bytes the CDN serves. */
async function probeUrl(url: string) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const path = join(videos.dir, `probe-${Date.now()}`);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  const { stdout } = await promisify(execFile)('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  const json = JSON.parse(stdout);
  const video = json.streams.find((s: any) => s.codec_type === 'video');
  const audio = json.streams.find((s: any) => s.codec_type === 'audio');
  return { video, audio, duration: Number(json.format.duration), type: res.headers.get('content-type') };
}

test('video: format, size, quality, cut, thumbs; the new file and its thumbnails play from the CDN', async () => {
  const src = await uploadFile(await readFile(videos.withAudio), { ...h.upload, fileName: 'clip.mp4' });
  const path = `${src.uuid}/video/-/format/webm/-/size/320x180/-/quality/lighter/-/cut/000:00:00.500/1.5/-/thumbs~2/`;
  const res = await convert({ type: ConversionType.VIDEO, paths: [path], store: true }, h.signed);
  assert.deepEqual(res.problems, {});
  const job = res.result[0]!;
  assert.equal(job.originalSource, path);
  assert.match(job.thumbnailsGroupUuid!, /~2$/);
  const status = await waitFinished(job.token);
  assert.equal(status.status, 'finished', String(status.error));
  assert.equal(status.result?.uuid, job.uuid);

  const out = await fileInfo({ uuid: job.uuid }, h.signed);
  assert.equal(out.mimeType, 'video/webm');
  assert.ok(out.datetimeStored);
  const probed = await probeUrl(out.originalFileUrl!);
  assert.equal(probed.video.codec_name, 'vp8');
  assert.deepEqual([probed.video.width, probed.video.height], [320, 180]);
  assert.equal(probed.audio.codec_name, 'vorbis');
  assert.ok(Math.abs(probed.duration - 1.5) < 0.2, String(probed.duration));
  assert.equal((await fetch(`${h.kiln.url}/${job.uuid}/`)).status, 200);

  const thumbs = await groupInfo({ uuid: job.thumbnailsGroupUuid! }, h.signed);
  assert.equal(thumbs.filesCount, 2);
  const still = await fetch(`${h.kiln.url}/${job.thumbnailsGroupUuid}/nth/1/`);
  const meta = await sharp(Buffer.from(await still.arrayBuffer())).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 180]);

  const source = await fileInfo({ uuid: src.uuid }, h.signed);
  // The client camelises `variations` keys (they are paths): the value is the new file.
  assert.deepEqual(Object.values(source.variations ?? {}), [job.uuid]);
});

test('video resize modes through the client poller; mp4 by default', async () => {
  const src = await uploadFile(await readFile(videos.noAudio), { ...h.upload, fileName: 'quiet.mp4' });
  const paths = [
    `${src.uuid}/video/-/size/200x200/scale_crop/`,
    `${src.uuid}/video/-/size/200x200/add_padding/`,
  ];
  const jobs = await conversionJobPoller({ type: ConversionType.VIDEO, paths, store: false }, h.simple);
  const results = await Promise.all(jobs);
  for (const r of results) assert.equal(r.status, 'finished', String(r.error));
  for (const r of results) {
    const info = await fileInfo({ uuid: r.result!.uuid }, h.signed);
    assert.equal(info.datetimeStored, null);
    const probed = await probeUrl(info.originalFileUrl!);
    assert.equal(probed.video.codec_name, 'h264');
    assert.deepEqual([probed.video.width, probed.video.height], [200, 200]);
    assert.equal(probed.audio, undefined);
    assert.ok(Math.abs(probed.duration - 3) < 0.2, String(probed.duration));
  }
});

test('video problems per path; a bad body is refused whole', async () => {
  const photo = await uploadFile(await smallPhoto(), h.upload);
  const missing = '00000000-0000-4000-8000-000000000000/video/';
  const notVideo = `${photo.uuid}/video/`;
  const badOp = `${photo.uuid}/video/-/rotate/90/`;
  const res = await convert({ type: ConversionType.VIDEO, paths: [missing, notVideo, badOp] }, h.signed);
  assert.deepEqual(res.result, []);
  assert.deepEqual(res.problems, {
    [missing]: `Bad path "${missing}". Use UUID or CDN URL`,
    [notVideo]: 'The file is not a video.',
    [badOp]: 'Unsupported operation: rotate/90',
  });
  await assert.rejects(
    convert({ type: ConversionType.VIDEO, paths: [] }, h.signed),
    (err) => isRestClientError(err) && err.message.includes('“paths” parameter is required.'),
  );
});

test('document conversion: images to other image formats; everything else refused', async () => {
  const photo = await uploadFile(await smallPhoto(), { ...h.upload, fileName: 'cups.jpg' });
  const text = await uploadFile(Buffer.from('plain text'), { ...h.upload, fileName: 'a.txt' });
  const info = await conversionInfo({ uuid: photo.uuid }, h.signed);
  assert.deepEqual(
    info.format.conversionFormats.map((f) => f.name),
    ['jpg', 'png', 'webp'],
  );
  const toPng = `${photo.uuid}/document/-/format/png/`;
  const toPdf = `${photo.uuid}/document/-/format/pdf/`;
  const fromText = `${text.uuid}/document/-/format/jpg/`;
  const res = await convert({ type: ConversionType.DOCUMENT, paths: [toPng, toPdf, fromText] }, h.signed);
  assert.match(
    res.problems[fromText]!,
    /^Conversion of [a-z]+\/[a-z-]+ files is not supported on this server\.$/,
  );
  delete res.problems[fromText];
  assert.deepEqual(res.problems, {
    [toPdf]: 'Conversion to pdf is not supported on this server.',
  });
  const status = await waitFinished(res.result[0]!.token, ConversionType.DOCUMENT);
  assert.equal(status.status, 'finished');
  const out = await fileInfo({ uuid: res.result[0]!.uuid }, h.signed);
  assert.equal(out.mimeType, 'image/png');
  const png = await sharp(Buffer.from(await (await fetch(out.originalFileUrl!)).arrayBuffer())).metadata();
  assert.deepEqual([png.format, png.width, png.height], ['png', 640, 400]);
});
