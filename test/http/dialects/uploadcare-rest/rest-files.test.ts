import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  copyFileToLocalStorage,
  copyFileToRemoteStorage,
  deleteFile,
  deleteFiles,
  fileInfo,
  isRestClientError,
  listOfFiles,
  paginate,
  storeFile,
  storeFiles,
} from '@uploadcare/rest-client';
import { UploadError, info as uploadApiInfo, uploadFile } from '@uploadcare/upload-client';
import { smallPhoto } from '../uploadcare/uc-harness.js';
import { type RestHarness, settingsFor, startRest } from './rest-harness.js';

let h: RestHarness;
before(async () => {
  h = await startRest();
});
after(() => h?.kiln.close());

const detail = (text: string) => (err: unknown) => isRestClientError(err) && err.message.includes(text);

test('list: limit, ordering, stored, totals; paginate follows absolute next URLs', async () => {
  const a = await uploadFile(Buffer.from('one'), { ...h.upload, fileName: 'one.txt' });
  const b = await uploadFile(await smallPhoto(), {
    ...h.upload,
    fileName: 'cups.jpg',
    metadata: { pet: 'cat' },
  });
  const c = await uploadFile(Buffer.from('three'), { ...h.upload, fileName: 'three.txt', store: false });
  const first = await listOfFiles({ limit: 2 }, h.signed);
  assert.equal(first.total, 3);
  assert.deepEqual(first.totals, { removed: 0, stored: 2, unstored: 1 });
  assert.equal(first.perPage, 2);
  assert.deepEqual(
    first.results.map((f) => f.uuid),
    [a.uuid, b.uuid],
  );
  assert.ok(first.next?.startsWith(`${h.kiln.url}/files/?`), String(first.next));
  const pages = [];
  for await (const page of paginate(listOfFiles)({ limit: 1, ordering: '-datetime_uploaded' }, h.simple)) {
    pages.push(page.results.map((f) => f.uuid));
  }
  assert.deepEqual(pages, [[c.uuid], [b.uuid], [a.uuid]]);
  const stored = await listOfFiles({ stored: true }, h.signed);
  assert.deepEqual(
    stored.results.map((f) => f.uuid),
    [a.uuid, b.uuid],
  );
  assert.equal(stored.total, 2);
  const temporary = await listOfFiles({ stored: false }, h.signed);
  assert.deepEqual(
    temporary.results.map((f) => f.uuid),
    [c.uuid],
  );
  await assert.rejects(
    listOfFiles({ limit: 1001 }, h.signed),
    detail('limit must be an integer from 1 to 1000'),
  );
});

test('info: content_info, metadata, appdata, URLs that work', async () => {
  const photo = await smallPhoto();
  const up = await uploadFile(photo, { ...h.upload, fileName: 'cups.jpg', metadata: { snake_key: 'v' } });
  const info = await fileInfo({ uuid: up.uuid, include: 'appdata' }, h.signed);
  assert.equal(info.uuid, up.uuid);
  assert.equal(info.isImage, true);
  assert.equal(info.isReady, true);
  assert.equal(info.mimeType, 'image/jpeg');
  assert.equal(info.size, photo.length);
  assert.equal(info.originalFilename, 'cups.jpg');
  assert.deepEqual(info.metadata, { snake_key: 'v' });
  assert.deepEqual(info.appdata, {});
  assert.equal(info.datetimeRemoved, null);
  assert.ok(info.datetimeStored);
  assert.equal(info.contentInfo?.mime?.mime, 'image/jpeg');
  assert.deepEqual([info.contentInfo?.image?.width, info.contentInfo?.image?.height], [640, 400]);
  assert.equal(info.url, `${h.kiln.url}/files/${up.uuid}/`);
  assert.equal(info.originalFileUrl, `${h.kiln.url}/${up.uuid}/cups.jpg`);
  const bytes = Buffer.from(await (await fetch(info.originalFileUrl!)).arrayBuffer());
  assert.deepEqual(bytes, photo);
  await assert.rejects(
    fileInfo({ uuid: '00000000-0000-4000-8000-000000000000' }, h.signed),
    detail('Not found.'),
  );
});

test('store and delete one file: the Upload API and the CDN agree at once', async () => {
  const up = await uploadFile(Buffer.from('temporary'), { ...h.upload, store: false });
  assert.equal((await uploadApiInfo(up.uuid, h.upload)).isStored, false);
  const stored = await storeFile({ uuid: up.uuid }, h.signed);
  assert.ok(stored.datetimeStored);
  assert.equal((await uploadApiInfo(up.uuid, h.upload)).isStored, true);

  const removed = await deleteFile({ uuid: up.uuid }, h.signed);
  assert.ok(removed.datetimeRemoved);
  assert.equal(removed.originalFileUrl, null);
  assert.equal((await fetch(up.cdnUrl!)).status, 404);
  await assert.rejects(
    uploadApiInfo(up.uuid, h.upload),
    (err) => err instanceof UploadError && err.code === 'FileNotFoundError',
  );
  await assert.rejects(fileInfo({ uuid: up.uuid }, h.signed), detail('Not found.'));
  await assert.rejects(deleteFile({ uuid: up.uuid }, h.signed), detail('Not found.'));
});

test('batch store and delete: problems per uuid, limits', async () => {
  const x = await uploadFile(Buffer.from('x'), { ...h.upload, store: false });
  const y = await uploadFile(Buffer.from('y'), { ...h.upload, store: false });
  const missing = '00000000-0000-4000-8000-000000000000';
  const res = await storeFiles({ uuids: [x.uuid, y.uuid, missing, 'not-a-uuid'] }, h.signed);
  assert.equal(res.status, 'ok');
  assert.deepEqual(res.problems, { [missing]: 'Missing in the project', 'not-a-uuid': 'Invalid' });
  assert.deepEqual(
    res.result.map((f) => [f.uuid, !!f.datetimeStored]).sort(),
    [
      [x.uuid, true],
      [y.uuid, true],
    ].sort(),
  );
  const del = await deleteFiles({ uuids: [x.uuid, missing] }, h.simple);
  assert.deepEqual(del.problems, { [missing]: 'Missing in the project' });
  assert.equal(del.result[0]?.uuid, x.uuid);
  assert.equal((await fetch(x.cdnUrl!)).status, 404);
  assert.equal((await fetch(y.cdnUrl!)).status, 200);

  await assert.rejects(storeFiles({ uuids: [] }, h.signed), detail('List of UUIDs can not be empty'));
  const many = Array.from({ length: 101 }, () => missing);
  await assert.rejects(
    deleteFiles({ uuids: many }, h.signed),
    detail('Maximum UUIDs per request is exceeded. The limit is 100'),
  );
});

test('local copy makes a new file (stored or not); remote copy is refused: no remote storage', async () => {
  const photo = await smallPhoto();
  const src = await uploadFile(photo, { ...h.upload, fileName: 'src.jpg', metadata: { k: 'v' } });
  const copy = await copyFileToLocalStorage({ source: src.uuid, store: true }, h.signed);
  assert.equal(copy.type, 'file');
  assert.notEqual(copy.result.uuid, src.uuid);
  assert.ok(copy.result.datetimeStored);
  assert.deepEqual(copy.result.metadata, { k: 'v' });
  assert.deepEqual(Buffer.from(await (await fetch(copy.result.originalFileUrl!)).arrayBuffer()), photo);
  const temp = await copyFileToLocalStorage(
    { source: src.cdnUrl!, store: false, metadata: { other: 'x' } },
    h.signed,
  );
  assert.equal(temp.result.datetimeStored, null);
  assert.deepEqual(temp.result.metadata, { other: 'x' });
  assert.equal((await uploadApiInfo(temp.result.uuid, h.upload)).isStored, false);
  await assert.rejects(
    copyFileToLocalStorage({ source: 'nope' }, h.signed),
    detail('Bad `source` parameter. Use UUID or CDN URL.'),
  );
  await assert.rejects(
    copyFileToRemoteStorage({ source: src.uuid, target: 'my-bucket' }, h.signed),
    detail('Project has no storage with provided name.'),
  );
});

test('cross-account isolation: another project sees none of these files', async () => {
  const up = await uploadFile(Buffer.from('mine'), h.upload);
  const other = settingsFor(h.kiln, await h.kiln.createAccount());
  await assert.rejects(fileInfo({ uuid: up.uuid }, other.signed), detail('Not found.'));
  await assert.rejects(deleteFile({ uuid: up.uuid }, other.signed), detail('Not found.'));
  const res = await storeFiles({ uuids: [up.uuid] }, other.signed);
  assert.deepEqual(res.problems, { [up.uuid]: 'Missing in the project' });
  assert.equal((await listOfFiles({}, other.simple)).total, 0);
  assert.equal((await fetch(up.cdnUrl!)).status, 200);
});

test('a local copy counts against the account limits', async () => {
  const creds = await h.kiln.createAccount();
  await h.kiln.server.runtime.accounts.updateSettings(creds.id, { maxFiles: 1 });
  const mine = settingsFor(h.kiln, creds);
  const src = await uploadFile(Buffer.from('only one'), mine.upload);
  await assert.rejects(
    copyFileToLocalStorage({ source: src.uuid, store: true }, mine.signed),
    (err) => isRestClientError(err) && err.status === 403 && err.message.includes('maxFiles'),
  );
});
