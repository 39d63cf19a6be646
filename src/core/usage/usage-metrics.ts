/**
 * Every usage metric Kiln records per account and hour, in one table: its unit, what its `kind`
 * means, and how rows combine (a counter adds up; a gauge, sampled, keeps its latest value in a
 * period and its largest in a rollup). docs/usage.md describes each one.
 */
export const USAGE_METRICS = {
  delivered_requests: { unit: 'requests', kinds: 'delivery', gauge: false },
  delivered_bytes: { unit: 'bytes', kinds: 'delivery', gauge: false },
  transform_hits: { unit: 'transforms', kinds: 'none', gauge: false },
  transform_misses: { unit: 'transforms', kinds: 'none', gauge: false },
  transform_render_ms: { unit: 'milliseconds', kinds: 'none', gauge: false },
  uploads: { unit: 'files', kinds: 'source', gauge: false },
  uploaded_bytes: { unit: 'bytes', kinds: 'source', gauge: false },
  stored_bytes: { unit: 'bytes', kinds: 'storage', gauge: true },
  transcode_seconds: { unit: 'seconds', kinds: 'none', gauge: false },
  transcode_output_minutes: { unit: 'minutes', kinds: 'none', gauge: false },
  minutes_viewed: { unit: 'minutes', kinds: 'none', gauge: false },
} as const;

export type UsageMetric = keyof typeof USAGE_METRICS;
export const USAGE_METRIC_NAMES = Object.keys(USAGE_METRICS) as UsageMetric[];

/** What a delivery served: the `kind` of delivered_requests and delivered_bytes. */
export type DeliveryKind = 'original' | 'download' | 'variant' | 'manifest' | 'segment' | 'thumbnail';

export type UsageGranularity = 'hour' | 'day';

export const HOUR_SECONDS = 3600;
export const DAY_SECONDS = 86400;

/** The start (unix seconds, UTC) of the period holding `ms`. */
export function periodStart(ms: number, granularity: UsageGranularity): number {
  const size = granularity === 'hour' ? HOUR_SECONDS : DAY_SECONDS;
  return Math.floor(ms / 1000 / size) * size;
}
