/**
 * What delivery URLs resolve to (account by images hash, image, asset row, named variant, signing
 * keys), kept in memory so a hot hit reads no database. An entry is used only while
 *   - no table it was read from has been written by this process since (the write clock ticks after
 *     each write is visible, so an entry read before a delete, an edit, a key rotation or a change of
 *     access settings is never used after it), and
 *   - it is younger than `ttlMs`: writes made by other nodes are seen within that time.
 * Only the lookups are cached: signatures, tokens, expiry and origin rules are checked by the caller
 * on every request against the cached facts. Failed lookups are not cached.
 */
export interface TableVersions {
  /** Changes whenever one of `tables` is written. */
  version(tables: readonly string[]): number;
}

interface Entry {
  value: unknown;
  version: number;
  expiresAt: number;
}

export class ResolutionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly versions: TableVersions,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key`, else `load()`'s (cached when not null/undefined). */
  async get<T>(key: string, tables: readonly string[], load: () => Promise<T>): Promise<T> {
    if (this.options.ttlMs <= 0 || this.options.maxEntries <= 0) return load();
    const now = Date.now();
    const version = this.versions.version(tables);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      if (hit.version === version && hit.expiresAt > now) {
        this.entries.set(key, hit); // most recently used last
        return hit.value as T;
      }
    }
    // The version is read before the load: a write that lands during it makes the entry stale.
    const value = await load();
    if (value !== null && value !== undefined) {
      this.entries.set(key, { value, version, expiresAt: now + this.options.ttlMs });
      if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
