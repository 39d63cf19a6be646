/**
 * Small, hot delivery results in memory (variants, thumbnails, small originals), bounded by total
 * bytes, least recently used out first. Keys name an immutable version of the bytes (blob key plus
 * its validator: a variant key is derived from the source's sha256 and the canonical plan, an
 * original's from its sha256 and mtime), so an edit can never be answered from here: it resolves
 * to another key. A delete on this node drops the entry (the runtime hooks the blob store's deletes);
 * a delete on another node (variant eviction by a worker) is seen once the entry is `maxAgeMs` old,
 * when the next hit reads the store again. Access rules are the caller's, checked before it asks.
 */
export class HotCache {
  private readonly entries = new Map<string, { data: Buffer; until: number }>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** `maxBytes` 0 disables the cache; one entry holds at most `maxEntryBytes`, for `maxAgeMs`. */
  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
    readonly maxAgeMs = 5_000,
  ) {}

  get size(): number {
    return this.bytes;
  }

  get count(): number {
    return this.entries.size;
  }

  /** Would an entry of `size` bytes be kept? */
  admits(size: number): boolean {
    return size <= this.maxEntryBytes && size <= this.maxBytes;
  }

  get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.data;
    }
    if (hit) this.delete(key);
    this.misses++;
    return undefined;
  }

  set(key: string, data: Buffer): void {
    if (!this.admits(data.length)) return;
    this.delete(key);
    this.entries.set(key, { data, until: Date.now() + this.maxAgeMs });
    this.bytes += data.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.data.length;
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.data.length;
  }

  /** Drops every entry whose key starts with `prefix` (a deleted asset's blobs). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }
}
