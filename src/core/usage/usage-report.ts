import {
  DAY_SECONDS,
  HOUR_SECONDS,
  periodStart,
  USAGE_METRICS,
  type UsageGranularity,
  type UsageMetric,
} from './usage-metrics.js';
import type { UsageRepository, UsageRow } from './usage-repository.js';

export interface UsageReportQuery {
  accountId: string;
  from: number;
  to: number;
  granularity: UsageGranularity;
  metrics: UsageMetric[];
  kind?: string;
  assetId?: string;
  /** How many assets the top-assets table lists (by delivered bytes); 0 for none. */
  top?: number;
}

export interface UsageSeries {
  metric: UsageMetric;
  unit: string;
  total: number;
  points: Array<{ t: number; value: number }>;
}

export interface TopAsset {
  assetId: string;
  requests: number;
  bytes: number;
  minutesViewed: number;
}

export interface UsageReport {
  from: number;
  to: number;
  granularity: UsageGranularity;
  series: UsageSeries[];
  topAssets: TopAsset[];
}

/**
 * The usage of one account as series, one point per period of the granularity (every period in
 * the range, zeros included): counters summed, gauges (stored bytes) at their largest per kind in
 * the period and then summed over kinds. A series' total is the sum of its points for a counter,
 * its latest non-zero point for a gauge.
 */
export async function usageReport(
  repository: UsageRepository,
  query: UsageReportQuery,
): Promise<UsageReport> {
  const step = query.granularity === 'hour' ? HOUR_SECONDS : DAY_SECONDS;
  const from = periodStart(query.from * 1000, query.granularity);
  const to = query.to;
  const metrics = [...new Set(query.metrics)];
  const rows = await repository.rows({ ...query, from, to, metrics });
  const series = metrics.map((metric) => buildSeries(metric, rows, from, to, step, query.granularity));
  let topAssets: TopAsset[] = [];
  if ((query.top ?? 10) > 0) {
    const assetRows = await repository.rows({
      ...query,
      from,
      to,
      metrics: ['delivered_requests', 'delivered_bytes', 'minutes_viewed'],
    });
    const byAsset = new Map<string, TopAsset>();
    for (const r of assetRows) {
      if (!r.assetId) continue;
      const a = byAsset.get(r.assetId) ?? { assetId: r.assetId, requests: 0, bytes: 0, minutesViewed: 0 };
      if (r.metric === 'delivered_requests') a.requests += r.value;
      else if (r.metric === 'delivered_bytes') a.bytes += r.value;
      else a.minutesViewed += r.value;
      byAsset.set(r.assetId, a);
    }
    topAssets = [...byAsset.values()]
      .sort((a, b) => b.bytes - a.bytes || b.requests - a.requests || a.assetId.localeCompare(b.assetId))
      .slice(0, query.top ?? 10)
      .map((a) => ({ ...a, minutesViewed: round(a.minutesViewed) }));
  }
  return { from, to, granularity: query.granularity, series, topAssets };
}

function buildSeries(
  metric: UsageMetric,
  rows: UsageRow[],
  from: number,
  to: number,
  step: number,
  granularity: UsageGranularity,
): UsageSeries {
  const gauge = USAGE_METRICS[metric].gauge;
  // period -> kind -> value (a gauge keeps the largest per kind, a counter the sum)
  const periods = new Map<number, Map<string, number>>();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const t = periodStart(r.periodStart * 1000, granularity);
    const kinds = periods.get(t) ?? new Map<string, number>();
    const key = gauge ? r.kind : `${r.kind}\t${r.assetId}`;
    const was = kinds.get(key) ?? 0;
    kinds.set(key, gauge ? Math.max(was, r.value) : was + r.value);
    periods.set(t, kinds);
  }
  const points: UsageSeries['points'] = [];
  for (let t = from; t < to; t += step) {
    let value = 0;
    for (const v of periods.get(t)?.values() ?? []) value += v;
    points.push({ t, value: round(value) });
  }
  const total = gauge
    ? ([...points].reverse().find((p) => p.value !== 0)?.value ?? 0)
    : round(points.reduce((s, p) => s + p.value, 0));
  return { metric, unit: USAGE_METRICS[metric].unit, total, points };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
