import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fromUrl, fromUrlStatus, UploadError, uploadFile } from '@uploadcare/upload-client';
import sharp from 'sharp';
import { fetchBytes, smallPhoto, startUc, type UcHarness, ucCall } from './uc-harness.js';

let h: UcHarness;
let origin: Server;
let base: string;
let photo: Buffer;
const hits = new Map<string, number>();

before(async () => {
  photo = await smallPhoto();
  origin = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    if (
      req.url === '/img/IMG-0412 cups.jpg' ||
      req.url === '/img/IMG-0412%20cups.jpg' ||
      req.url === '/dup.jpg'
    ) {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length });
      return res.end(photo);
    }
    if (req.url === '/download') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-disposition': 'attachment; filename="report (1).txt"',
      });
      return res.end('report body');
    }
    res.writeHead(404).end('nope');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  h = await startUc({ env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
});
after(async () => {
  await h?.kiln.close();
  origin.close();
});

test('uploadFile(url): fetched by a durable job, name from the path sanitised, exact bytes on the CDN', async () => {
  const file = await uploadFile(`${base}/img/IMG-0412%20cups.jpg`, { ...h.sdk, metadata: { from: 'url' } });
  assert.equal(file.size, photo.length);
  assert.equal(file.name, 'IMG0412cups.jpg');
  assert.equal(file.isImage, true);
  assert.equal(file.imageInfo?.width, 640);
  assert.deepEqual(file.metadata, { from: 'url' });
  assert.deepEqual((await fetchBytes(file.cdnUrl)).body, photo);
  const preview = await fetchBytes(`${file.cdnUrl}-/preview/64x64/-/format/jpeg/`);
  const m = await sharp(preview.body).metadata();
  assert.deepEqual([m.format, m.width, m.height], ['jpeg', 64, 40]);
});

test('fromUrl + fromUrlStatus: token, then success with done/total; filename from the parameter or Content-Disposition', async () => {
  const started = await fromUrl(`${base}/download`, { ...h.sdk, fileName: 'my report!.txt' });
  assert.equal(started.type, 'token');
  const token = (started as { token: string }).token;
  let status: any;
  for (let i = 0; i < 100; i++) {
    status = await fromUrlStatus(token, h.sdk);
    if (status.status === 'success' || status.status === 'error') break;
    assert.ok(['waiting', 'progress'].includes(status.status), status.status);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.status, 'success');
  assert.equal(status.done, 11);
  assert.equal(status.total, 11);
  assert.equal(status.filename, 'myreport.txt');
  assert.equal((await fetchBytes(`${h.kiln.url}/${status.uuid}/`)).body.toString(), 'report body');

  const plain = await uploadFile(`${base}/download`, h.sdk);
  assert.equal(plain.originalFilename, 'report (1).txt');
  assert.equal(plain.name, 'report1.txt');
  assert.deepEqual(await fromUrlStatus('00000000-0000-4000-8000-000000000000', h.sdk), { status: 'unknown' });
});

test('check_URL_duplicates returns the earlier file without fetching again', async () => {
  const opts = { ...h.sdk, checkForUrlDuplicates: true, saveUrlForRecurrentUploads: true };
  const first = await uploadFile(`${base}/dup.jpg`, opts);
  const second = await uploadFile(`${base}/dup.jpg`, opts);
  assert.equal(second.uuid, first.uuid);
  assert.equal(hits.get('/dup.jpg'), 1);
  const third = await uploadFile(`${base}/dup.jpg`, h.sdk);
  assert.notEqual(third.uuid, first.uuid);
});

test('URL errors: validation synchronously, download failures through the status', async () => {
  await assert.rejects(uploadFile(`${base}/missing`, h.sdk), (err: unknown) => {
    assert.ok(err instanceof UploadError);
    assert.equal(err.code, 'DownloadFileHTTPClientError');
    assert.equal(err.message, 'HTTP client error: 404.');
    return true;
  });
  const call = (source_url?: string) =>
    ucCall(h.api, '/from_url/', { pub_key: h.sdk.publicKey, ...(source_url ? { source_url } : {}) });
  assert.equal((await call()).json.error.error_code, 'SourceURLRequiredError');
  assert.equal((await call('ftp://example.com/x')).json.error.error_code, 'URLSchemeInvalidError');
  assert.equal((await call('example.com/x')).json.error.error_code, 'URLSchemeRequiredError');
  assert.equal((await call('http://')).json.error.error_code, 'URLHostRequiredError');
  assert.equal((await call('http://no-such-host.invalid/x')).json.error.error_code, 'HostnameNotFoundError');
  const noToken = await ucCall(h.api, '/from_url/status/', {}, 'GET');
  assert.equal(noToken.json.error.error_code, 'TokenRequiredError');
});

test('without KILN_ALLOW_PRIVATE_FETCH a loopback URL is refused: "Only public IPs are allowed."', async () => {
  const strict = await startUc();
  try {
    await assert.rejects(uploadFile(`${base}/dup.jpg`, strict.sdk), (err: unknown) => {
      assert.ok(err instanceof UploadError);
      assert.equal(err.code, 'URLHostPrivateIPForbiddenError');
      assert.equal(err.message, 'Only public IPs are allowed.');
      return true;
    });
  } finally {
    await strict.kiln.close();
  }
});
