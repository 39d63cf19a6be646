import { type DeliveryKind, periodStart, type UsageMetric } from './usage-metrics.js';
import type { UsageIncrement, UsageRepository } from './usage-repository.js';

export interface UsageLabels {
  kind?: string;
  assetId?: string;
}

/** One finished delivery, as the delivery primitive reports it. */
export interface DeliveryUsage {
  accountId: string;
  assetId?: string;
  kind: DeliveryKind;
  /** Seconds of video a delivered segment holds: counted as minutes viewed of the asset. */
  segmentSeconds?: number;
}

/**
 * Usage counters of this process, kept in memory and added to the database's hourly rows by
 * flush() every few seconds (KILN_USAGE_FLUSH_SECONDS) and at shutdown: the hot path only adds to
 * a map, never waits on a write, and many nodes add up because every flush is an increment. A
 * failed flush keeps its counts for the next one; a node that dies loses the last few seconds.
 */
export class UsageMeter {
  private pending = new Map<string, UsageIncrement>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly repository: UsageRepository,
    private readonly now: () => number = Date.now,
  ) {}

  add(accountId: string, metric: UsageMetric, value: number, labels: UsageLabels = {}): void {
    if (!accountId || !Number.isFinite(value) || value === 0) return;
    const hour = periodStart(this.now(), 'hour');
    const kind = labels.kind ?? '';
    const assetId = labels.assetId ?? '';
    const key = `${hour}\t${accountId}\t${metric}\t${kind}\t${assetId}`;
    const row = this.pending.get(key);
    if (row) row.value += value;
    else this.pending.set(key, { periodStart: hour, accountId, metric, kind, assetId, value });
  }

  /** A delivery of `bytes` (0 for HEAD and 304): one request, its bytes, and minutes viewed. */
  delivered(usage: DeliveryUsage, bytes: number): void {
    const labels = { kind: usage.kind, assetId: usage.assetId };
    this.add(usage.accountId, 'delivered_requests', 1, labels);
    this.add(usage.accountId, 'delivered_bytes', bytes, labels);
    if (usage.segmentSeconds && bytes > 0)
      this.add(usage.accountId, 'minutes_viewed', usage.segmentSeconds / 60, { assetId: usage.assetId });
  }

  /** Adds what is pending to the database (one upsert per row); concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.pending.size === 0) return Promise.resolve();
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.repository
      .addHourly(batch)
      .catch((err) => {
        for (const row of batch) this.restore(row);
        throw err;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private restore(row: UsageIncrement): void {
    const key = `${row.periodStart}\t${row.accountId}\t${row.metric}\t${row.kind}\t${row.assetId}`;
    const existing = this.pending.get(key);
    if (existing) existing.value += row.value;
    else this.pending.set(key, { ...row });
  }
}
