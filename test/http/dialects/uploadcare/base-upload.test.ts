import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { info, UploadError, uploadDirect, uploadFile } from '@uploadcare/upload-client';
import sharp from 'sharp';
import { sampleMp4 } from '../../../support/media-samples.js';
import { assertSimilar } from '../../../support/perceptual.js';
import { fetchBytes, smallPhoto, startUc, type UcHarness, ucCall } from './uc-harness.js';

let h: UcHarness;
before(async () => {
  h = await startUc();
});
after(() => h?.kiln.close());

test('uploadFile(Buffer): the SDK gets a ready file with image_info; the cdnUrl serves the exact bytes', async () => {
  const photo = await smallPhoto();
  const file = await uploadFile(photo, {
    ...h.sdk,
    fileName: 'IMG-0412 cups.jpg',
    metadata: { subsystem: 'tests', snake_key: 'v' },
  });
  assert.match(file.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(file.size, photo.length);
  assert.equal(file.isImage, true);
  assert.equal(file.isStored, true);
  assert.equal(file.mimeType, 'image/jpeg');
  assert.equal(file.originalFilename, 'IMG-0412 cups.jpg');
  assert.equal(file.name, 'IMG0412cups.jpg');
  assert.equal(file.imageInfo?.width, 640);
  assert.equal(file.imageInfo?.height, 400);
  assert.equal(file.imageInfo?.format, 'JPEG');
  assert.equal(file.imageInfo?.colorMode, 'RGB');
  assert.deepEqual(file.metadata, { subsystem: 'tests', snakeKey: 'v' });
  assert.equal(file.cdnUrl, `${h.kiln.url}/${file.uuid}/`);

  const { res, body } = await fetchBytes(file.cdnUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(body, photo);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.match(res.headers.get('content-disposition') ?? '', /^inline/);

  // A filename after the uuid names the download; the bytes are the same.
  const named = await fetchBytes(`${file.cdnUrl}my-photo.jpg`);
  assert.deepEqual(named.body, photo);
  assert.match(named.res.headers.get('content-disposition') ?? '', /my-photo\.jpg/);

  // CDN operations go through the image engine.
  const resized = await fetchBytes(`${file.cdnUrl}-/resize/320x/-/format/png/`);
  assert.equal(resized.res.status, 200);
  const meta = await sharp(resized.body).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 320);
  assert.equal(meta.height, 200);
  await assertSimilar(resized.body, await sharp(photo).resize(320).png().toBuffer());

  const crop = await fetchBytes(`${file.cdnUrl}-/scale_crop/100x100/center/-/format/webp/thumb.webp`);
  const cm = await sharp(crop.body).metadata();
  assert.deepEqual([cm.format, cm.width, cm.height], ['webp', 100, 100]);

  const json = await fetchBytes(`${file.cdnUrl}-/preview/200x200/-/json/`);
  const facts = JSON.parse(json.body.toString());
  assert.equal(facts.width, 200);
  assert.equal(facts.height, 125);
  const colours = await fetchBytes(`${file.cdnUrl}-/preview/-/main_colors/3/`);
  assert.equal(JSON.parse(colours.body.toString()).main_colors.length, 3);
});

test('a chunked streamed /base/ body; uploadDirect and info(): bytes round-trip; non-images are attachments', async () => {
  const text = Buffer.from('hello uploadcare\n'.repeat(100));
  // SDK 6.21's Node build takes Buffers only (a Readable or a Blob throws in the SDK), so the
  // streamed upload is a chunked multipart body without Content-Length, as a proxy or browser sends it.
  const boundary = 'kilnboundary42';
  const chunks = [
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`,
    text.subarray(0, 700),
    text.subarray(700),
    `\r\n--${boundary}\r\nContent-Disposition: form-data; name="UPLOADCARE_PUB_KEY"\r\n\r\n${h.sdk.publicKey}\r\n--${boundary}--\r\n`,
  ];
  const posted = await fetch(`${h.api}/base/?jsonerrors=1`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Readable.toWeb(Readable.from(chunks.map((c) => Buffer.from(c)))) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const uuid = ((await posted.json()) as { file: string }).file;
  const streamed = await uploadFile(uuid, h.sdk);
  assert.equal(streamed.mimeType, 'text/plain');
  assert.equal(streamed.size, text.length);
  assert.equal(streamed.isImage, false);
  const { res, body } = await fetchBytes(streamed.cdnUrl);
  assert.deepEqual(body, text);
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
  const inline = await fetchBytes(`${streamed.cdnUrl}-/inline/yes/`);
  assert.match(inline.res.headers.get('content-disposition') ?? '', /^inline/);

  const direct = await uploadDirect(text, { ...h.sdk, fileName: 'direct.txt', store: false });
  assert.ok(direct.uuid);
  assert.equal(direct.isStored, false);
  const fileInfo = await info(direct.uuid, h.sdk);
  assert.equal(fileInfo.isStored, false);
  assert.equal(fileInfo.isReady, true);
  assert.equal(fileInfo.size, text.length);
  assert.equal(fileInfo.originalFilename, 'direct.txt');
});

test('several files in one /base/ request map each field name to its uuid', async () => {
  const form = new FormData();
  form.append('one', new Blob([Buffer.from('first')]), 'a.txt');
  form.append('two', new Blob([Buffer.from('second')]), 'b.txt');
  form.append('UPLOADCARE_PUB_KEY', h.sdk.publicKey);
  form.append('UPLOADCARE_STORE', '1');
  const res = await fetch(`${h.api}/base/?jsonerrors=1`, { method: 'POST', body: form });
  const json = (await res.json()) as Record<string, string>;
  assert.deepEqual(Object.keys(json).sort(), ['one', 'two']);
  assert.equal((await fetchBytes(`${h.kiln.url}/${json.two}/`)).body.toString(), 'second');
});

test('errors reach the SDK as UploadError with the original code; without jsonerrors the real status', async () => {
  await assert.rejects(uploadFile(Buffer.from('x'), { ...h.sdk, publicKey: 'nope' }), (err: unknown) => {
    assert.ok(err instanceof UploadError);
    assert.equal(err.code, 'ProjectPublicKeyInvalidError');
    assert.equal(err.message, 'UPLOADCARE_PUB_KEY is invalid.');
    return true;
  });
  const missing = await ucCall(h.api, '/base/', {});
  assert.equal(missing.status, 200);
  assert.deepEqual(missing.json, {
    error: {
      status_code: 403,
      content: 'UPLOADCARE_PUB_KEY is required.',
      error_code: 'ProjectPublicKeyRequiredError',
    },
  });
  const noFile = await ucCall(h.api, '/base/', { UPLOADCARE_PUB_KEY: h.sdk.publicKey });
  assert.equal(noFile.json.error.error_code, 'FileRequiredError');

  const plain = await fetch(
    `${h.api}/info/?pub_key=${h.sdk.publicKey}&file_id=00000000-0000-4000-8000-000000000000`,
  );
  assert.equal(plain.status, 404);
  assert.equal(await plain.text(), 'File is not found.');
  const bad = await ucCall(h.api, '/info/', { pub_key: h.sdk.publicKey, file_id: 'zzz' }, 'GET');
  assert.equal(bad.json.error.error_code, 'FileIdInvalidError');
  const wrongMethod = await fetch(`${h.api}/base/`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(await wrongMethod.text(), 'HTTP method GET is not allowed for /base/');

  await assert.rejects(info('00000000-0000-4000-8000-000000000000', h.sdk), { code: 'FileNotFoundError' });
});

test('metadata validation: every rule has its error code', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ 'metadata[]': 'v' }, 'FileMetadataKeyEmptyError'],
    [{ [`metadata[${'k'.repeat(65)}]`]: 'v' }, 'FileMetadataKeyLengthTooBigError'],
    [{ 'metadata[bad key]': 'v' }, 'FileMetadataKeyForbiddenError'],
    [{ 'metadata[k]': '' }, 'FileMetadataValueEmptyError'],
    [{ 'metadata[k]': 'v'.repeat(513) }, 'FileMetadataValueLengthTooBigError'],
    [{ 'metadata[k]': 'a\u0001b' }, 'FileMetadataValueForbiddenError'],
    [
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`metadata[k${i}]`, 'v'])),
      'FileMetadataKeysNumberTooBigError',
    ],
  ];
  for (const [fields, code] of cases) {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('x')]), 'x.txt');
    form.append('UPLOADCARE_PUB_KEY', h.sdk.publicKey);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${h.api}/base/?jsonerrors=1`, { method: 'POST', body: form });
    const json = (await res.json()) as any;
    assert.equal(json.error?.error_code, code, JSON.stringify(json));
  }
  const dup = new FormData();
  dup.append('file', new Blob([Buffer.from('x')]), 'x.txt');
  dup.append('UPLOADCARE_PUB_KEY', h.sdk.publicKey);
  dup.append('metadata[k]', 'a');
  dup.append('metadata[k]', 'b');
  const res = await fetch(`${h.api}/base/?jsonerrors=1`, { method: 'POST', body: dup });
  assert.equal(((await res.json()) as any).error.error_code, 'FileMetadataKeyDuplicatedError');
});

test('a video upload gets video_info and content_info from ffprobe', async () => {
  const mp4 = await sampleMp4();
  const file = await uploadFile(mp4, { ...h.sdk, fileName: 'clip.mp4' });
  assert.equal(file.mimeType, 'video/mp4');
  assert.equal(file.isImage, false);
  assert.ok(file.videoInfo, 'video_info');
  assert.ok(file.videoInfo.duration > 0);
  assert.equal(file.videoInfo.video.width > 0, true);
  assert.equal(file.contentInfo?.mime?.type, 'video');
  // SDK 6.21 types content_info.video.video as one object; the wire (reference §3) has arrays of streams.
  const streams = file.contentInfo?.video?.video as unknown as Array<{ width: number }>;
  assert.equal(streams[0]?.width, file.videoInfo.video.width);
  assert.deepEqual((await fetchBytes(file.cdnUrl)).body, mp4);
});
