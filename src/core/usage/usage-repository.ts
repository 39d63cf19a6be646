import { sql } from 'kysely';
import type { Db } from '../../adapters/db/database.js';
import { DAY_SECONDS, HOUR_SECONDS, periodStart, type UsageGranularity } from './usage-metrics.js';

/** One row's worth of counts, added to an hourly row. */
export interface UsageIncrement {
  periodStart: number;
  accountId: string;
  metric: string;
  kind: string;
  assetId: string;
  value: number;
}

export interface UsageRow extends UsageIncrement {
  granularity: UsageGranularity;
}

export interface UsageRowQuery {
  accountId: string;
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
  metrics: string[];
  kind?: string;
  assetId?: string;
}

/**
 * The usage_counters table: hourly rows added to by increments (one upsert per row, summed with
 * what is there, so every node's flushes add up), sampled gauges set in place, daily rollups.
 */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  /** Adds each increment to its hourly row, all or nothing. */
  async addHourly(rows: UsageIncrement[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        await trx
          .insertInto('usage_counters')
          .values(toColumns(row, 'hour'))
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'granularity', 'period_start', 'metric', 'kind', 'asset_id'])
              .doUpdateSet({ value: sql<number>`usage_counters.value + excluded.value` }),
          )
          .execute();
      }
    });
  }

  /** Sets sampled gauges (stored bytes) in their hourly rows: every node samples the same truth. */
  async setHourly(rows: UsageIncrement[]): Promise<void> {
    for (const row of rows) {
      await this.db
        .insertInto('usage_counters')
        .values(toColumns(row, 'hour'))
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'granularity', 'period_start', 'metric', 'kind', 'asset_id'])
            .doUpdateSet({ value: sql<number>`excluded.value` }),
        )
        .execute();
    }
  }

  /** Rows of both granularities in [from, to) for the account, metrics and filters. */
  async rows(query: UsageRowQuery): Promise<UsageRow[]> {
    if (query.metrics.length === 0) return [];
    let q = this.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('account_id', '=', query.accountId)
      .where('metric', 'in', query.metrics)
      .where('period_start', '>=', query.from - DAY_SECONDS)
      .where('period_start', '<', query.to);
    if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
    if (query.assetId !== undefined) q = q.where('asset_id', '=', query.assetId);
    const rows = await q.execute();
    return rows
      .map((r) => ({
        granularity: r.granularity as UsageGranularity,
        periodStart: Number(r.period_start),
        accountId: r.account_id,
        metric: r.metric,
        kind: r.kind,
        assetId: r.asset_id,
        value: Number(r.value),
      }))
      .filter((r) => r.periodStart + (r.granularity === 'hour' ? HOUR_SECONDS : DAY_SECONDS) > query.from);
  }

  /** What each account stores now, by kind: originals by asset kind, renditions by rendition kind. */
  async storedByKind(): Promise<Array<{ accountId: string; kind: string; bytes: number }>> {
    const originals = await this.db
      .selectFrom('assets')
      .select(['account_id', 'kind', (eb) => eb.fn.sum<number>('size').as('n')])
      .where('deleted_at', 'is', null)
      .groupBy(['account_id', 'kind'])
      .execute();
    const renditions = await this.db
      .selectFrom('renditions')
      .select(['account_id', 'kind', (eb) => eb.fn.sum<number>('size').as('n')])
      .groupBy(['account_id', 'kind'])
      .execute();
    return [
      ...originals.map((r) => ({ accountId: r.account_id, kind: String(r.kind), bytes: Number(r.n) })),
      ...renditions.map((r) => ({ accountId: r.account_id, kind: r.kind, bytes: Number(r.n) })),
    ];
  }

  /**
   * Folds hourly rows that started before `before` into daily rows (counters summed, gauges at
   * their largest) and deletes them, in one transaction; returns how many hourly rows went.
   */
  async rollUp(before: number, gauges: ReadonlySet<string>): Promise<number> {
    const cutoff = periodStart(before * 1000, 'day');
    return this.db.transaction().execute(async (trx) => {
      const hourly = await trx
        .selectFrom('usage_counters')
        .selectAll()
        .where('granularity', '=', 'hour')
        .where('period_start', '<', cutoff)
        .execute();
      const daily = new Map<string, UsageIncrement>();
      for (const r of hourly) {
        const day = periodStart(Number(r.period_start) * 1000, 'day');
        const key = `${day}\t${r.account_id}\t${r.metric}\t${r.kind}\t${r.asset_id}`;
        const value = Number(r.value);
        const found = daily.get(key);
        if (!found) {
          daily.set(key, {
            periodStart: day,
            accountId: r.account_id,
            metric: r.metric,
            kind: r.kind,
            assetId: r.asset_id,
            value,
          });
        } else found.value = gauges.has(r.metric) ? Math.max(found.value, value) : found.value + value;
      }
      for (const row of daily.values()) {
        const gauge = gauges.has(row.metric);
        await trx
          .insertInto('usage_counters')
          .values(toColumns(row, 'day'))
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'granularity', 'period_start', 'metric', 'kind', 'asset_id'])
              .doUpdateSet({
                value: gauge
                  ? sql<number>`case when usage_counters.value > excluded.value then usage_counters.value else excluded.value end`
                  : sql<number>`usage_counters.value + excluded.value`,
              }),
          )
          .execute();
      }
      await trx
        .deleteFrom('usage_counters')
        .where('granularity', '=', 'hour')
        .where('period_start', '<', cutoff)
        .execute();
      return hourly.length;
    });
  }
}

function toColumns(row: UsageIncrement, granularity: UsageGranularity) {
  return {
    granularity,
    period_start: row.periodStart,
    account_id: row.accountId,
    metric: row.metric,
    kind: row.kind,
    asset_id: row.assetId,
    value: row.value,
  };
}
