import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { AccountService } from '../../../src/core/accounts/account-service.js';
import { AssetRepository } from '../../../src/core/assets/asset-repository.js';
import { DEFAULT_IMAGE_LIMITS } from '../../../src/core/images/image-guard.js';
import { IngestService } from '../../../src/core/ingest/ingest-service.js';
import { SecretBox } from '../../../src/core/signing/secret-box.js';
import { openTestBlobStore } from '../../support/test-blob-store.js';
import { openTestDatabase } from '../../support/test-database.js';
import { quadrantPng } from '../../support/test-images.js';

/** The ingest service on a real database and blob store (SQLite + disk, or PostgreSQL + S3). */
async function setup() {
  const h = await openTestDatabase();
  const blobs = await openTestBlobStore();
  const accounts = new AccountService(h.db, new SecretBox(randomBytes(32)));
  const account = await accounts.create('ingest');
  let ingested = 0;
  const ingest = new IngestService({
    db: h.db,
    blobs: blobs.store,
    accounts,
    metrics: {
      ingestedBytes: {
        inc: (n: number) => {
          ingested += n;
        },
      },
    },
    imageLimits: DEFAULT_IMAGE_LIMITS,
  });
  const assets = new AssetRepository(h.db);
  return {
    ingest,
    accounts,
    assets,
    blobs,
    accountId: account.id,
    ingested: () => ingested,
    close: async () => {
      await blobs.close();
      await h.close();
    },
  };
}

/** A body of `total` bytes in 8 KiB chunks whose size nobody announced. */
const stream = (total: number) =>
  Readable.from(
    (function* () {
      for (let sent = 0; sent < total; sent += 8192) yield Buffer.alloc(Math.min(8192, total - sent), 1);
    })(),
  );

test('one row with the image dimensions and the dialect rows in its transaction; metrics counted', async () => {
  const t = await setup();
  try {
    const png = await quadrantPng(64, 32);
    const seen: string[] = [];
    const asset = await t.ingest.ingest({
      accountId: t.accountId,
      body: Readable.from([png]),
      maxBytes: 1 << 20,
      source: 'test',
      withinTransaction: async (_trx, row) => void seen.push(row.id),
    });
    assert.deepEqual(
      [asset.kind, asset.width, asset.height, asset.contentType],
      ['image', 64, 32, 'image/png'],
    );
    assert.deepEqual(seen, [asset.id]);
    assert.equal(t.ingested(), png.length);
  } finally {
    await t.close();
  }
});

test('a failing dialect row rolls the asset row back and removes the bytes', async () => {
  const t = await setup();
  try {
    await assert.rejects(
      t.ingest.ingest({
        accountId: t.accountId,
        body: stream(20_000),
        maxBytes: 1 << 20,
        source: 'test',
        withinTransaction: async () => {
          throw new Error('dialect row refused');
        },
      }),
      /dialect row refused/,
    );
    assert.equal(await t.assets.count({ accountId: t.accountId }), 0);
    assert.deepEqual(await t.blobs.remains(), []);
    assert.equal(t.ingested(), 0);
  } finally {
    await t.close();
  }
});

test('storage left is enforced mid-stream as the account limit, with nothing left behind', async () => {
  const t = await setup();
  try {
    await t.accounts.setLimits(t.accountId, { maxStorageBytes: 50_000 });
    await t.ingest.ingest({
      accountId: t.accountId,
      body: stream(30_000),
      maxBytes: 1 << 20,
      source: 'test',
    });
    await assert.rejects(
      t.ingest.ingest({ accountId: t.accountId, body: stream(30_000), maxBytes: 1 << 20, source: 'test' }),
      (err: { code?: string; details?: Record<string, unknown> }) =>
        err.code === 'limit_exceeded' && err.details?.accountLimit === 'maxStorageBytes',
    );
    assert.equal(await t.assets.count({ accountId: t.accountId }), 1);
    assert.equal((await t.blobs.remains()).length, 1);
    // The dialect's own cap, when it is the tighter one, stays the dialect's payload_too_large.
    await t.accounts.setLimits(t.accountId, { maxStorageBytes: null, maxFileSize: 100_000 });
    await assert.rejects(
      t.ingest.ingest({ accountId: t.accountId, body: stream(30_000), maxBytes: 10_000, source: 'test' }),
      (err: { code?: string }) => err.code === 'payload_too_large',
    );
  } finally {
    await t.close();
  }
});

test('an expected image is refused from its first bytes, before anything is stored', async () => {
  const t = await setup();
  try {
    await assert.rejects(
      t.ingest.ingest({
        accountId: t.accountId,
        body: Readable.from([Buffer.from('just some text, not an image')]),
        maxBytes: 1 << 20,
        source: 'test',
        expect: { kind: 'image' },
      }),
      (err: { code?: string }) => err.code === 'unsupported_media_type',
    );
    assert.deepEqual(await t.blobs.remains(), []);
  } finally {
    await t.close();
  }
});
