import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { BlobStore } from '../../../src/core/blobs/blob-store.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { ImageService, variantPrefix } from '../../../src/core/images/image-service.js';
import { ImageWorkLimiter } from '../../../src/core/images/image-work-limiter.js';
import { parseCloudflareOptions } from '../../../src/core/images/parse-cloudflare-options.js';
import { parseUploadcareOps } from '../../../src/core/images/parse-uploadcare-ops.js';
import { SourceCache } from '../../../src/core/images/source-cache.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';
import { fixturePhotos, transparentPng } from '../../support/test-images.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('ImageWorkLimiter', () => {
  it('runs at most N at once, queues M, and refuses the rest at once with unavailable', async () => {
    const limiter = new ImageWorkLimiter(2, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let peak = 0;
    let running = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      return 'done';
    };
    const accepted = [limiter.run(job), limiter.run(job), limiter.run(job)];
    const started = Date.now();
    await assert.rejects(
      limiter.run(job),
      (e: unknown) =>
        e instanceof KilnError && e.code === 'unavailable' && e.status === 503 && e.retryAfter === 1,
    );
    assert.ok(Date.now() - started < 50, 'fails fast');
    assert.equal(limiter.queued, 1);
    release();
    assert.deepEqual(await Promise.all(accepted), ['done', 'done', 'done']);
    assert.equal(peak, 2);
    assert.equal(limiter.active, 0);
  });
});

describe('ImageService', () => {
  let blobs: TestBlobStore;
  let store: BlobStore;
  const photo = fixturePhotos()[0]!.data;
  before(async () => {
    blobs = await openTestBlobStore();
    store = blobs.store;
    await store.put('sources/photo', photo);
    await store.put('sources/alpha', await transparentPng());
  });
  after(() => blobs.close());

  it('renders once for 5 concurrent identical requests, then serves the cached variant', async () => {
    const service = new ImageService({ concurrency: 2, queueSize: 8 });
    const plan = parseCloudflareOptions('w=300,f=webp');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        service.transform({ sourceKey: 'sources/photo', sourceEtag: 'e1', store, plan }),
      ),
    );
    assert.equal(service.renders, 1);
    assert.equal(new Set(results.map((r) => r.key)).size, 1);
    assert.equal(
      results.reduce((n, r) => n + r.bytesWritten, 0),
      results[0]!.size,
      'bytes counted once',
    );
    const r = results[0]!;
    assert.ok(r.key.startsWith(variantPrefix('sources/photo')));
    assert.equal(r.contentType, 'image/webp');
    assert.equal(r.varyAccept, false);
    const stored = await sharp(Buffer.concat(await collect(await store.get(r.key)))).metadata();
    assert.deepEqual([stored.format, stored.width], ['webp', 300]);
    // A second spelling of the same plan is a cache hit.
    const again = await service.transform({
      sourceKey: 'sources/photo',
      sourceEtag: 'e1',
      store,
      plan: parseCloudflareOptions('format=webp,width=300,quality=85'),
    });
    assert.deepEqual([again.cached, again.key, again.etag, service.renders], [true, r.key, r.etag, 1]);
    // A new source version is a new variant.
    const changed = await service.transform({ sourceKey: 'sources/photo', sourceEtag: 'e2', store, plan });
    assert.notEqual(changed.key, r.key);
  });

  it('negotiates format auto on Accept and says the result varies', async () => {
    const service = new ImageService();
    const plan = parseUploadcareOps('-/preview/200x200/');
    const t = (accept: string | undefined, sourceKey = 'sources/photo') =>
      service.transform({ sourceKey, store, plan, accept });
    assert.deepEqual(
      [
        (await t('image/avif,image/webp,*/*')).format,
        (await t('image/webp,*/*')).format,
        (await t('*/*')).format,
        (await t(undefined, 'sources/alpha')).format,
      ],
      ['avif', 'webp', 'jpeg', 'png'],
    );
    assert.equal((await t('image/avif;q=0,image/webp')).format, 'webp');
    assert.equal((await t('image/webp')).varyAccept, true);
  });

  it('refuses bad sources with client errors and leaves nothing behind', async () => {
    await store.put('sources/junk', Buffer.from('not an image at all'));
    const service = new ImageService();
    await assert.rejects(
      service.transform({ sourceKey: 'sources/junk', store, plan: parseCloudflareOptions('w=10') }),
      (e: unknown) => e instanceof KilnError && e.code === 'unsupported_media_type',
    );
    const left = await collect(store.list(variantPrefix('sources/junk')));
    assert.equal(left.length, 0);
  });

  it('fails fast with unavailable when the queue is full', async () => {
    const service = new ImageService({ concurrency: 1, queueSize: 0 });
    const jobs = [100, 110, 120].map((w) =>
      service.transform({
        sourceKey: 'sources/photo',
        sourceEtag: 'q',
        store,
        plan: parseCloudflareOptions(`w=${w},f=jpeg`),
      }),
    );
    const settled = await Promise.allSettled(jobs);
    const refused = settled.filter((s) => s.status === 'rejected');
    assert.ok(refused.length >= 1, 'at least one refused');
    for (const s of refused)
      assert.equal(((s as PromiseRejectedResult).reason as KilnError).code, 'unavailable');
  });

  it('renders again over an empty variant file, which is all a machine crash can leave of one', async () => {
    const service = new ImageService();
    const plan = parseCloudflareOptions('w=200,f=jpeg');
    const first = await service.transform({ sourceKey: 'sources/photo', sourceEtag: 'crash', store, plan });
    assert.ok(first.data && first.data.length === first.size, 'a miss hands back the bytes it stored');
    await store.put(first.key, Buffer.alloc(0));
    const again = await service.transform({ sourceKey: 'sources/photo', sourceEtag: 'crash', store, plan });
    assert.deepEqual([again.cached, service.renders, again.size], [false, 2, first.size]);
    const stored = Buffer.concat(await collect(await store.get(first.key)));
    assert.equal((await sharp(stored).metadata()).width, 200);
  });

  it('reads a source once for several variants, and again once its etag changes', async () => {
    let reads = 0;
    const counting: BlobStore = Object.create(store, {
      get: {
        value: (key: string, range?: Parameters<BlobStore['get']>[1]) => (reads++, store.get(key, range)),
      },
    });
    const service = new ImageService();
    for (const w of [100, 150, 200])
      await service.transform({
        sourceKey: 'sources/photo',
        sourceEtag: 'v1',
        store: counting,
        plan: parseCloudflareOptions(`w=${w},f=jpeg`),
      });
    assert.deepEqual([reads, service.renders], [1, 3]);
    await service.transform({
      sourceKey: 'sources/photo',
      sourceEtag: 'v2',
      store: counting,
      plan: parseCloudflareOptions('w=100,f=jpeg'),
    });
    assert.equal(reads, 2);
    const uncached = new ImageService({ sourceCacheBytes: 0 });
    for (const w of [100, 150])
      await uncached.transform({
        sourceKey: 'sources/photo',
        sourceEtag: 'v3',
        store: counting,
        plan: parseCloudflareOptions(`w=${w},f=webp`),
      });
    assert.equal(reads, 4, 'without the cache the second variant reads the source again');
  });
});

describe('SourceCache', () => {
  it('keeps the most recently used entries within its byte budget and skips oversized ones', () => {
    const cache = new SourceCache(100);
    cache.set('a', Buffer.alloc(20));
    cache.set('b', Buffer.alloc(20));
    cache.set('c', Buffer.alloc(20));
    cache.set('d', Buffer.alloc(20));
    assert.ok(cache.get('a'), 'a is now the most recent');
    cache.set('e', Buffer.alloc(25));
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((k) => !!cache.get(k)),
      [true, false, true, true, true],
    );
    assert.ok(cache.size <= 100);
    cache.set('huge', Buffer.alloc(26));
    assert.equal(cache.get('huge'), undefined, 'over a quarter of the budget is never cached');
    cache.set('c', Buffer.alloc(5));
    assert.equal(cache.get('c')!.length, 5, 'replacing an entry keeps the count right');
    assert.equal(cache.size, 20 + 20 + 25 + 5);
  });
});
