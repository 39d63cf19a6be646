import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { originalKey } from '../../../src/core/assets/asset.js';
import { AssetRepository } from '../../../src/core/assets/asset-repository.js';
import { RenditionRepository } from '../../../src/core/assets/rendition-repository.js';
import { evictVariants } from '../../../src/core/images/evict-variants.js';
import type { VariantCaps, VariantStats } from '../../../src/core/images/variant-renderer.js';
import { VariantRepository } from '../../../src/core/images/variant-repository.js';
import { VariantUsageTracker } from '../../../src/core/images/variant-usage-tracker.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';
import { openTestDatabase } from '../../support/test-database.js';

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let blobs: TestBlobStore;
let assets: AssetRepository;
let variants: VariantRepository;
let usage: VariantUsageTracker;
const account = 'acct0002';

before(async () => {
  db = await openTestDatabase();
  blobs = await openTestBlobStore();
  assets = new AssetRepository(db.db);
  variants = new VariantRepository(db.db);
  usage = new VariantUsageTracker(variants);
  await db.db
    .insertInto('accounts')
    .values({
      id: account,
      name: 'a',
      images_hash: 'h2',
      uc_public_key: 'p2',
      uc_secret_enc: 's',
      stream_api_key: 'k2',
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

async function imageWithVariants(n: number, size: number, addressed = false) {
  const id = randomUUID();
  await assets.create({
    id,
    accountId: account,
    kind: 'image',
    source: 'kiln',
    blobKey: originalKey(account, id),
  });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${id.slice(0, 8)}v${i}`;
    const blobKey = `variants/test/${name}`;
    await blobs.store.put(blobKey, Buffer.alloc(size, i));
    await variants.record(
      { assetId: id, accountId: account, name, blobKey, size, contentType: 'image/png' },
      addressed ? { addressed: true, plan: {} } : {},
      true,
    );
    names.push(name);
  }
  // Distinct, increasing last-use times: v0 oldest.
  const t0 = Date.now() - 60_000;
  for (const [i, name] of names.entries()) usage.touch(id, name, new Date(t0 + i * 1000));
  return { id, names };
}

const stats = (): VariantStats => ({ stored: 0, storedBytes: 0, evicted: 0, evictedBytes: 0 });
const deps = (caps: Partial<VariantCaps>, s = stats()) => ({
  blobs: blobs.store,
  variants,
  usage,
  caps: { perAsset: 0, bytesPerAccount: 0, evictionDelaySeconds: 1, ...caps },
  stats: s,
});
const left = async (assetId: string) =>
  (await new RenditionRepository(db.db).list(assetId, 'variant'))
    .filter((r) => r.size > 0)
    .map((r) => r.name);

test('evicts the least recently used over the per-asset cap: rows and blobs; a hit keeps a variant', async () => {
  const { id, names } = await imageWithVariants(6, 10);
  // v1 was used last of all: it survives though it is old.
  usage.touch(id, names[1]!, new Date());
  const s = stats();
  const result = await evictVariants(deps({ perAsset: 3 }, s), account);
  assert.deepEqual(result, { evicted: 3, bytes: 30 });
  assert.deepEqual((await left(id)).sort(), [names[1], names[4], names[5]].sort());
  for (const gone of [names[0], names[2], names[3]])
    assert.equal(await blobs.store.stat(`variants/test/${gone}`), null);
  assert.equal(s.evicted, 3);
  // Idempotent.
  assert.deepEqual(await evictVariants(deps({ perAsset: 3 }), account), { evicted: 0, bytes: 0 });
});

test('evicts across the account down to its byte budget; addressed variants keep their row without bytes', async () => {
  const plain = await imageWithVariants(3, 100);
  const addressed = await imageWithVariants(2, 100, true);
  const before = await variants.bytesForAccount(account);
  const budget = before - 250;
  const result = await evictVariants(deps({ bytesPerAccount: budget }), account);
  assert.ok(result.bytes >= 250, `${result.bytes}`);
  assert.ok((await variants.bytesForAccount(account)) <= budget);
  assert.ok((await left(plain.id)).length < 3);
  const kept = await new RenditionRepository(db.db).list(addressed.id, 'variant');
  assert.equal(kept.length, 2, 'addressed rows stay');
});
