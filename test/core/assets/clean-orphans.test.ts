import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FsBlobStore } from '../../../src/adapters/blobs/fs-blob-store.js';
import { originalKey } from '../../../src/core/assets/asset.js';
import { AssetRepository } from '../../../src/core/assets/asset-repository.js';
import { cleanOrphans } from '../../../src/core/assets/clean-orphans.js';
import { canRemoveStaleUploads, isMultipartCapable } from '../../../src/core/blobs/blob-store.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';
import { openTestDatabase } from '../../support/test-database.js';

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let blobs: TestBlobStore;
let assets: AssetRepository;
const account = 'acct0001';

before(async () => {
  db = await openTestDatabase();
  blobs = await openTestBlobStore();
  assets = new AssetRepository(db.db);
  await db.db
    .insertInto('accounts')
    .values({
      id: account,
      name: 'a',
      images_hash: 'h',
      uc_public_key: 'p',
      uc_secret_enc: 's',
      stream_api_key: 'k',
      stream_api_secret_enc: 's',
      settings: '{}',
      created_at: new Date().toISOString(),
      deleted_at: null,
    })
    .execute();
});
after(async () => {
  await blobs.close();
  await db.close();
});

test('removes blobs without a row once older than the cutoff; keeps owned, soft-deleted and young ones', async () => {
  const { store } = blobs;
  const owned = randomUUID();
  const deleted = randomUUID();
  const orphan = randomUUID();
  for (const id of [owned, deleted, orphan]) {
    await store.put(originalKey(account, id), Buffer.from(id));
    await store.put(`a/${account}/${id}/thumb.jpg`, Buffer.from('t'));
  }
  await assets.create({
    id: owned,
    accountId: account,
    kind: 'file',
    source: 'kiln',
    blobKey: originalKey(account, owned),
  });
  await assets.create({
    id: deleted,
    accountId: account,
    kind: 'file',
    source: 'kiln',
    blobKey: originalKey(account, deleted),
  });
  await assets.softDelete(account, deleted);

  // Cutoff in the past: the orphan is too young to touch (it may be an upload whose row is coming).
  const young = await cleanOrphans({ assets, blobs: store }, new Date(Date.now() - 60_000));
  assert.equal(young.orphanAssets, 0);
  assert.ok(await store.stat(originalKey(account, orphan)));

  const result = await cleanOrphans({ assets, blobs: store }, new Date(Date.now() + 60_000));
  assert.equal(result.orphanAssets, 1);
  assert.equal(await store.stat(originalKey(account, orphan)), null);
  assert.equal(await store.stat(`a/${account}/${orphan}/thumb.jpg`), null);
  for (const id of [owned, deleted]) assert.ok(await store.stat(originalKey(account, id)), id);
  // Idempotent.
  assert.equal((await cleanOrphans({ assets, blobs: store }, new Date(Date.now() + 60_000))).orphanAssets, 0);
});

test('aborts stale incomplete multipart uploads and removes stale temp files, never fresh ones', async () => {
  const { store } = blobs;
  assert.ok(isMultipartCapable(store) && canRemoveStaleUploads(store));
  const key = originalKey(account, randomUUID());
  const uploadId = await store.createMultipart(key);
  await store.uploadPart(key, uploadId, 1, Buffer.alloc(100, 1));
  assert.equal(await store.removeStaleUploads(new Date(Date.now() - 60_000)), 0);
  assert.equal((await store.listParts(key, uploadId)).length, 1);

  if (store instanceof FsBlobStore) {
    // A temp file of a put() whose process died.
    const tmp = join(store.root, '.tmp', 'deadbeef');
    mkdirSync(join(store.root, '.tmp'), { recursive: true });
    writeFileSync(tmp, 'partial');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(tmp, old, old);
  }
  const removed = await store.removeStaleUploads(new Date(Date.now() + 60_000));
  assert.ok(removed >= 1, `removed ${removed}`);
  await assert.rejects(store.listParts(key, uploadId), /not found/i);
  // A put still works afterwards (the temp dir is recreated as needed).
  await store.put(key, Readable.from([Buffer.from('ok')]));
  assert.ok(await store.stat(key));
});
