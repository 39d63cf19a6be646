import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileInfo } from '@uploadcare/rest-client';
import { groupInfo, info as uploadApiInfo, uploadDirect, uploadFileGroup } from '@uploadcare/upload-client';
import { smallPhoto } from '../uploadcare/uc-harness.js';
import { ACCEPT, type RestHarness, startRest } from './rest-harness.js';

let h: RestHarness;
before(async () => {
  h = await startRest();
});
after(() => h?.kiln.close());

test('a declared contentType is the mime_type both APIs report; delivery keeps the detected type', async () => {
  const photo = await smallPhoto();
  const { uuid: file } = await uploadDirect(photo, { ...h.upload, contentType: 'image/x-declared' });
  const viaUpload = await uploadApiInfo(file, h.upload);
  assert.equal(viaUpload.mimeType, 'image/x-declared');
  assert.equal(viaUpload.contentInfo?.mime?.mime, 'image/jpeg');
  const viaRest = await fileInfo({ uuid: file }, h.signed);
  assert.equal(viaRest.mimeType, 'image/x-declared');
  const cdn = await fetch(`${h.kiln.url}/${file}/`);
  assert.equal(cdn.headers.get('content-type'), 'image/jpeg');
  // A declared HTML page is reported as declared, and delivery keeps its safety rules (a download, no sniffing).
  const html = await uploadDirect(Buffer.from('<html><script>alert(1)</script></html>'), {
    ...h.upload,
    contentType: 'text/html',
  });
  assert.equal((await uploadApiInfo(html.uuid, h.upload)).mimeType, 'text/html');
  const served = await fetch(`${h.kiln.url}/${html.uuid}/`);
  assert.match(served.headers.get('content-disposition') ?? '', /^attachment/);
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
});

test("a new group's datetime_stored is null until the group is stored through the REST API", async () => {
  const g = await uploadFileGroup([Buffer.from('a'), Buffer.from('b')], { ...h.upload, store: true });
  assert.equal((await groupInfo(g.uuid, h.upload)).datetimeStored, null);
  const { publicKey, secretKey } = h.account.uploadcare;
  const res = await fetch(`${h.kiln.url}/groups/${g.uuid}/storage/`, {
    method: 'PUT',
    headers: { accept: ACCEPT, authorization: `Uploadcare.Simple ${publicKey}:${secretKey}` },
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { files_count: number }).files_count, 2);
  assert.ok((await groupInfo(g.uuid, h.upload)).datetimeStored);
});
