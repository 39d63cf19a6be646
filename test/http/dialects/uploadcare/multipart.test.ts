import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { uploadFile } from '@uploadcare/upload-client';
import { fetchBytes, startUc, type UcHarness, ucCall } from './uc-harness.js';

const MB = 1024 * 1024;
let h: UcHarness;
let big: Buffer;
before(async () => {
  h = await startUc();
  big = randomBytes(11 * MB + 12345);
});
after(() => h?.kiln.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('uploadFile over 10 MB goes multipart: parallel parts, completion, exact bytes on the CDN', async () => {
  const file = await uploadFile(big, {
    ...h.sdk,
    fileName: 'big.bin',
    multipartMinFileSize: 10 * MB,
    maxConcurrentRequests: 3,
  });
  assert.equal(file.size, big.length);
  assert.equal(file.name, 'big.bin');
  const { res, body } = await fetchBytes(file.cdnUrl);
  assert.equal(res.status, 200);
  assert.equal(body.length, big.length);
  assert.equal(sha(body), sha(big));
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
});

test('multipart/start hands out ceil(size/part_size) URLs; every size rule has its error', async () => {
  const pub = h.sdk.publicKey;
  const start = (fields: Record<string, string>) =>
    ucCall(h.api, '/multipart/start/', {
      UPLOADCARE_PUB_KEY: pub,
      filename: 'x.bin',
      content_type: 'application/octet-stream',
      ...fields,
    });
  const ok = await start({ size: String(12 * MB + 1), part_size: String(6 * MB) });
  assert.equal(ok.json.parts.length, 3);
  for (const url of ok.json.parts) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal(
    (await start({ size: String(5 * MB) })).json.error.error_code,
    'MultipartFileSizeTooSmallError',
  );
  assert.equal(
    (await start({ size: String(5 * MB) })).json.error.content,
    'File size can not be less than 10485760 bytes. Please use direct upload instead of multipart.',
  );
  assert.equal(
    (await start({ size: String(20 * MB), part_size: String(MB) })).json.error.error_code,
    'MultipartPartSizeTooSmallError',
  );
  assert.equal(
    (await start({ size: String(20 * MB), part_size: String(6 * 1024 ** 3) })).json.error.error_code,
    'MultipartPartSizeTooBigError',
  );
  assert.equal((await start({ size: '12.5' })).json.error.error_code, 'MultipartSizeInvalidError');
  assert.equal(
    (await start({ size: String(20 * MB), part_size: 'abc' })).json.error.error_code,
    'MultipartPartSizeInvalidError',
  );
  assert.equal((await start({})).json.error.content, 'size is required.');
});

test('parts out of order; a missing part and a wrong size are caught at completion; completing twice fails', async () => {
  const size = 10 * MB + 100;
  const partSize = 5 * MB;
  const data = randomBytes(size);
  const start = await ucCall(h.api, '/multipart/start/', {
    UPLOADCARE_PUB_KEY: h.sdk.publicKey,
    filename: 'parts.bin',
    size: String(size),
    part_size: String(partSize),
    UPLOADCARE_STORE: '1',
  });
  const { uuid, parts } = start.json as { uuid: string; parts: string[] };
  assert.equal(parts.length, 3);
  const put = (i: number, body: Buffer) =>
    fetch(parts[i]!, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(body),
    });
  const slice = (i: number) => data.subarray(i * partSize, Math.min(size, (i + 1) * partSize));
  assert.equal((await put(2, slice(2))).status, 200);
  assert.equal((await put(0, slice(0))).status, 200);
  const complete = () => ucCall(h.api, '/multipart/complete/', { UPLOADCARE_PUB_KEY: h.sdk.publicKey, uuid });
  assert.equal((await complete()).json.error.error_code, 'MultipartUploadSizeTooSmallError');
  // A tampered part URL is refused.
  const forged = new URL(parts[1]!);
  if (forged.pathname.startsWith('/uploadcare/')) {
    forged.pathname = forged.pathname.replace('/2/', '/1/');
    assert.equal((await fetch(forged, { method: 'PUT', body: 'x' })).status, 403);
  }
  assert.equal((await put(1, slice(1))).status, 200);
  const done = await complete();
  assert.equal(done.json.uuid, uuid);
  assert.equal(done.json.is_ready, true);
  assert.equal(done.json.size, size);
  assert.equal((await complete()).json.error.error_code, 'MultipartFileAlreadyUploadedError');
  assert.equal(sha((await fetchBytes(`${h.kiln.url}/${uuid}/`)).body), sha(data));

  const errors = async (fields: Record<string, string>) =>
    (await ucCall(h.api, '/multipart/complete/', { UPLOADCARE_PUB_KEY: h.sdk.publicKey, ...fields })).json
      .error;
  assert.deepEqual(await errors({}), {
    status_code: 400,
    content: 'uuid is required.',
    error_code: 'MultipartFileIdRequiredError',
  });
  assert.equal((await errors({ uuid: 'nope' })).error_code, 'UUIDInvalidError');
  assert.equal(
    (await errors({ uuid: '00000000-0000-4000-8000-000000000000' })).error_code,
    'MultipartFileNotFoundError',
  );
});

test('an abandoned multipart upload is cleaned up by a durable job', async () => {
  const short = await startUc({ env: { KILN_UPLOADCARE_MULTIPART_TTL_SECONDS: '1' } });
  try {
    const start = await ucCall(short.api, '/multipart/start/', {
      UPLOADCARE_PUB_KEY: short.sdk.publicKey,
      filename: 'gone.bin',
      size: String(10 * MB),
    });
    const { uuid, parts } = start.json as { uuid: string; parts: string[] };
    await fetch(parts[0]!, { method: 'PUT', body: new Uint8Array(randomBytes(5 * MB)) });
    const runtime = short.kiln.server.runtime;
    const deadline = Date.now() + 20_000;
    while ((await runtime.assets.findAnyAccount(uuid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    assert.equal(await runtime.assets.findAnyAccount(uuid), null);
    const complete = await ucCall(short.api, '/multipart/complete/', {
      UPLOADCARE_PUB_KEY: short.sdk.publicKey,
      uuid,
    });
    assert.equal(complete.json.error.error_code, 'MultipartFileNotFoundError');
  } finally {
    await short.kiln.close();
  }
});
