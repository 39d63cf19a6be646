/**
 * Last use of stored variants, for least-recently-used eviction, kept cheaply: a cache hit only
 * notes the time in memory; the notes are written to the database in one batch now and then
 * (`flush`, run on a timer, before each eviction run and at shutdown). A crash loses at most one
 * period of notes, which only makes eviction slightly less exact.
 */
import type { VariantRepository } from './variant-repository.js';

/** Notes kept before a flush is forced (bounds memory under a flood of distinct hits). */
const MAX_PENDING = 10_000;

export class VariantUsageTracker {
  /** Times as epoch ms: a hit costs no date formatting; the batch formats them once. */
  private pending = new Map<string, { assetId: string; name: string; at: number }>();
  private flushing: Promise<void> | null = null;

  constructor(private readonly repository: VariantRepository) {}

  get size(): number {
    return this.pending.size;
  }

  touch(assetId: string, name: string, at?: Date): void {
    this.pending.set(`${assetId}/${name}`, { assetId, name, at: at ? at.getTime() : Date.now() });
    if (this.pending.size >= MAX_PENDING) void this.flush().catch(() => {});
  }

  /** Writes the notes taken so far; concurrent calls share one write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].map((p) => ({ ...p, at: new Date(p.at).toISOString() }));
    this.pending = new Map();
    this.flushing = this.repository.touch(batch).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }
}
