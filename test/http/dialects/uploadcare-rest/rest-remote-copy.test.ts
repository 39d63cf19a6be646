import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyFileToRemoteStorage, isRestClientError } from '@uploadcare/rest-client';
import { uploadFile } from '@uploadcare/upload-client';
import { createBlobStore } from '../../../../src/adapters/blobs/create-blob-store.js';
import { type S3TestServer, startS3Server } from '../../../support/s3-server.js';
import { smallPhoto } from '../uploadcare/uc-harness.js';
import { type RestHarness, startRest } from './rest-harness.js';

let h: RestHarness;
let s3: S3TestServer;
before(async () => {
  s3 = await startS3Server({ prefix: 'copies' });
  h = await startRest({
    env: { KILN_UPLOADCARE_REMOTE_STORAGES: JSON.stringify({ backup: s3.storageUrl }) },
  });
});
after(async () => {
  await h?.kiln.close();
  await s3?.stop();
});

const detail = (text: string) => (err: unknown) => isRestClientError(err) && err.message.includes(text);

async function readCopy(key: string): Promise<Buffer> {
  const store = await createBlobStore({ storageUrl: s3.storageUrl, dataDir: '/nonexistent' });
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  await store.close();
  return Buffer.concat(chunks);
}

test('remote copy onto an S3 bucket the operator named: pattern, 201 then 200, bytes intact', async () => {
  const photo = await smallPhoto();
  const src = await uploadFile(photo, { ...h.upload, fileName: 'my photo.jpg' });
  const first = await copyFileToRemoteStorage({ source: src.uuid, target: 'backup' }, h.signed);
  assert.equal(first.type, 'url');
  assert.equal(first.result, `s3://${s3.bucket}/copies/${src.uuid}/my_photo.jpg`);
  assert.deepEqual(await readCopy(`${src.uuid}/my_photo.jpg`), photo);
  const again = await copyFileToRemoteStorage({ source: src.cdnUrl!, target: 'backup' }, h.signed);
  assert.equal(again.result, first.result);
  const flat = await copyFileToRemoteStorage(
    { source: src.uuid, target: 'backup', pattern: 'flat/${uuid}${ext}', makePublic: false },
    h.simple,
  );
  assert.equal(flat.result, `s3://${s3.bucket}/copies/flat/${src.uuid}.jpg`);
  assert.deepEqual(await readCopy(`flat/${src.uuid}.jpg`), photo);
  assert.ok(!flat.result.includes('secret') && !flat.result.includes('?'));
});

test('remote copy refusals', async () => {
  const src = await uploadFile(Buffer.from('x'), h.upload);
  await assert.rejects(
    copyFileToRemoteStorage({ source: src.uuid, target: 'elsewhere' }, h.signed),
    detail('Project has no storage with provided name.'),
  );
  await assert.rejects(
    copyFileToRemoteStorage({ source: src.uuid, target: 'backup', pattern: '${nope}' }, h.signed),
    detail('Invalid pattern provided: `${nope}`'),
  );
  await assert.rejects(
    copyFileToRemoteStorage({ source: src.uuid, target: 'backup', pattern: '../${uuid}' }, h.signed),
    detail('Invalid pattern provided: Invalid character in a pattern.'),
  );
  await assert.rejects(
    copyFileToRemoteStorage({ source: 'nope', target: 'backup' }, h.signed),
    detail('Bad `source` parameter. Use UUID or CDN URL.'),
  );
});
