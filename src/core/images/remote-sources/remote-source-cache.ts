/**
 * The remote source cache. A fetched source is kept in the blob store with the origin's validators
 * and a version (digest of its bytes, which variants are keyed by, so a changed origin image gives
 * new results). While fresh (the origin's Cache-Control) it is served without a request; when stale
 * it is revalidated with a conditional request (304 keeps it, and its variants); an origin that
 * fails while a stale copy exists is answered from that copy. Failures are remembered briefly, one
 * fetch per source runs at a time (single-flight), and the total size is bounded: least recently
 * used sources are evicted (evictRemoteSources, run as a job). Purge drops a source by URL.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../../adapters/db/database.js';
import type { BlobStore } from '../../blobs/blob-store.js';
import { KilnError } from '../../errors/kiln-error.js';
import { variantPrefix } from '../image-service.js';
import { SingleFlight } from '../single-flight.js';
import { fetchRemoteSource, type RemoteFetchPolicy, type RemoteFetchResult } from './fetch-remote-source.js';
import { freshSeconds } from './freshness.js';
import { sniffImageType } from './sniff-image-type.js';
import type { SourceAllowList } from './source-allow-list.js';

export interface RemoteSource {
  url: string;
  blobKey: string;
  /** Changes when the origin's bytes change. */
  version: string;
  size: number;
  fetchedAt: string;
}

export interface RemoteSourceCacheDeps {
  db: Db;
  blobs: BlobStore;
  allowList: SourceAllowList;
  policy: RemoteFetchPolicy;
  defaultTtlSeconds: number;
  /** Failures are answered from memory for this long. */
  failureTtlMs?: number;
  /** Called after a new source is stored (arms the eviction job). */
  onStored?: () => Promise<void>;
  now?: () => number;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const TOUCH_EVERY_MS = 60_000;

export class RemoteSourceCache {
  private readonly flights = new SingleFlight<RemoteSource>();
  private readonly failures = new Map<string, { error: unknown; until: number }>();
  /** Origin requests made by this process (observability and the tests). */
  originRequests = 0;

  constructor(private readonly deps: RemoteSourceCacheDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** `narrowedBy`: the account's own allow-list (AccountSettings.imageSources), when it has one. */
  async get(url: string, narrowedBy?: SourceAllowList): Promise<RemoteSource> {
    this.deps.allowList.check(url);
    narrowedBy?.check(url);
    const id = sha256(url);
    const failed = this.failures.get(id);
    if (failed && failed.until > this.now()) throw failed.error;
    if (failed) this.failures.delete(id);
    return this.flights.run(id, () => this.resolve(id, url));
  }

  private async resolve(id: string, url: string): Promise<RemoteSource> {
    const { db } = this.deps;
    const row = await db.selectFrom('image_sources').selectAll().where('id', '=', id).executeTakeFirst();
    const now = this.now();
    if (row && Date.parse(row.fresh_until) > now) {
      if (now - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) await this.touch(id, now);
      return toSource(row);
    }
    let res: RemoteFetchResult;
    try {
      this.originRequests++;
      res = await fetchRemoteSource(
        url,
        this.deps.policy,
        row ? { etag: row.etag, lastModified: row.last_modified } : {},
      );
    } catch (err) {
      // stale-if-error: an origin that is down does not take a cached image away.
      if (row && !isPolicyRefusal(err)) return toSource(row);
      this.remember(id, err);
      throw err;
    }
    const freshUntil = new Date(
      now + freshSeconds(res.cacheControl, res.expires, this.deps.defaultTtlSeconds, now) * 1000,
    ).toISOString();
    const iso = new Date(now).toISOString();
    if (res.status === 304 && row) {
      await db
        .updateTable('image_sources')
        .set({
          fresh_until: freshUntil,
          last_used_at: iso,
          etag: res.etag ?? row.etag,
          last_modified: res.lastModified ?? row.last_modified,
        })
        .where('id', '=', id)
        .execute();
      return toSource(row);
    }
    const body = res.body ?? Buffer.alloc(0);
    if (!sniffImageType(body.subarray(0, 512))) {
      const err = new KilnError('unsupported_media_type', 'The source is not an image', {
        details: { sourceReason: 'not_image' },
      });
      this.remember(id, err);
      throw err;
    }
    const version = sha256(body).slice(0, 32);
    const blobKey = `image-sources/${id.slice(0, 32)}/${version}`;
    if (!row || row.version !== version) {
      await this.deps.blobs.put(blobKey, body, {
        contentType: res.contentType ?? 'application/octet-stream',
      });
    }
    const values = {
      url,
      blob_key: blobKey,
      version,
      size: body.length,
      content_type: res.contentType ?? null,
      etag: res.etag ?? null,
      last_modified: res.lastModified ?? null,
      fresh_until: freshUntil,
      fetched_at: iso,
      last_used_at: iso,
    };
    await db
      .insertInto('image_sources')
      .values({ id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    if (row && row.version !== version) await this.dropBlobs(row.blob_key);
    if (!row || row.version !== version) await this.deps.onStored?.();
    return { url, blobKey, version, size: body.length, fetchedAt: iso };
  }

  /** Drops a source by URL (Kiln's API: purge); the next request fetches it again. */
  async purge(url: string): Promise<boolean> {
    const id = sha256(url);
    this.failures.delete(id);
    const row = await this.deps.db
      .selectFrom('image_sources')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return false;
    await this.deps.db.deleteFrom('image_sources').where('id', '=', id).execute();
    await this.dropBlobs(row.blob_key);
    return true;
  }

  /** Evicts least recently used sources until the total is at most `maxBytes`; returns how many. */
  async evict(maxBytes: number): Promise<number> {
    const { db } = this.deps;
    const total = await db
      .selectFrom('image_sources')
      .select((eb) => eb.fn.sum<number | string>('size').as('total'))
      .executeTakeFirst();
    let over = Number(total?.total ?? 0) - maxBytes;
    if (over <= 0) return 0;
    let evicted = 0;
    const rows = await db
      .selectFrom('image_sources')
      .select(['id', 'blob_key', 'size'])
      .orderBy('last_used_at')
      .limit(1000)
      .execute();
    for (const row of rows) {
      if (over <= 0) break;
      await db.deleteFrom('image_sources').where('id', '=', row.id).execute();
      await this.dropBlobs(row.blob_key);
      over -= Number(row.size);
      evicted++;
    }
    return evicted;
  }

  private async dropBlobs(blobKey: string): Promise<void> {
    await this.deps.blobs.delete(blobKey).catch(() => {});
    await this.deps.blobs.deletePrefix(variantPrefix(blobKey)).catch(() => {});
  }

  private async touch(id: string, now: number): Promise<void> {
    await this.deps.db
      .updateTable('image_sources')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', id)
      .execute();
  }

  private remember(id: string, error: unknown): void {
    this.failures.set(id, { error, until: this.now() + (this.deps.failureTtlMs ?? 10_000) });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }
}

function toSource(row: {
  url: string;
  blob_key: string;
  version: string;
  size: number | string;
  fetched_at: string;
}): RemoteSource {
  return {
    url: row.url,
    blobKey: row.blob_key,
    version: row.version,
    size: Number(row.size),
    fetchedAt: row.fetched_at,
  };
}

/** Refusals by policy (private address, bad URL) are never answered from a stale copy. */
function isPolicyRefusal(err: unknown): boolean {
  const reason = err instanceof KilnError ? err.details.fetchReason : undefined;
  return (
    reason === 'private_ip' ||
    reason === 'url_invalid' ||
    reason === 'scheme_invalid' ||
    reason === 'too_large'
  );
}
