import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errors } from '../../core/errors/kiln-error.js';
import {
  DAY_SECONDS,
  HOUR_SECONDS,
  periodStart,
  USAGE_METRIC_NAMES,
  type UsageMetric,
} from '../../core/usage/usage-metrics.js';
import { usageReport } from '../../core/usage/usage-report.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { requireBearerAccount } from './bearer-auth.js';
import { errorResponses } from './kiln-api-schemas.js';

/** At most this many points per series (a year of days, or two months of hours). */
const MAX_POINTS = 1500;

const time = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `Not a time: ${s} (ISO 8601 or unix seconds)` });
      return z.NEVER;
    }
    return Math.floor(ms / 1000);
  })
  .optional();

const usageQuery = z.object({
  from: time,
  to: time,
  granularity: z.enum(['hour', 'day']).default('hour'),
  metric: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(USAGE_METRIC_NAMES as [UsageMetric, ...UsageMetric[]])).min(1))
    .optional(),
  kind: z.string().max(100).optional(),
  asset: z.string().max(200).optional(),
  top: z.coerce.number().int().min(0).max(100).default(10),
});

const querystring = {
  type: 'object',
  properties: {
    from: {
      type: 'string',
      description: 'Start (ISO 8601 or unix seconds); default: 24 periods before `to`',
    },
    to: {
      type: 'string',
      description: 'End, exclusive (ISO 8601 or unix seconds); default: the end of this period',
    },
    granularity: {
      type: 'string',
      enum: ['hour', 'day'],
      description: 'One point per hour (default) or day',
    },
    metric: {
      type: 'string',
      description: `Comma-separated metrics (default: all): ${USAGE_METRIC_NAMES.join(', ')}`,
    },
    kind: {
      type: 'string',
      description:
        'Only rows of this kind: a delivery kind (original, download, variant, manifest, segment, thumbnail), an upload source, a storage kind',
    },
    asset: { type: 'string', description: 'Only rows of this asset (deliveries, minutes viewed)' },
    top: {
      type: 'string',
      description: 'How many assets topAssets lists, by delivered bytes (default 10, 0 for none)',
    },
  },
} as const;

const usageResponse = {
  type: 'object',
  properties: {
    from: { type: 'integer', description: 'Start of the first period (unix seconds)' },
    to: { type: 'integer', description: 'End of the range, exclusive (unix seconds)' },
    granularity: { type: 'string', enum: ['hour', 'day'] },
    series: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          metric: { type: 'string', enum: USAGE_METRIC_NAMES },
          unit: { type: 'string' },
          total: { type: 'number', description: 'Sum of the points (stored_bytes: the latest sample)' },
          points: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                t: { type: 'integer', description: 'Period start (unix seconds)' },
                value: { type: 'number' },
              },
              required: ['t', 'value'],
            },
          },
        },
        required: ['metric', 'unit', 'total', 'points'],
      },
    },
    topAssets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          assetId: { type: 'string' },
          requests: { type: 'number' },
          bytes: { type: 'number' },
          minutesViewed: { type: 'number' },
        },
        required: ['assetId', 'requests', 'bytes', 'minutesViewed'],
      },
    },
  },
  required: ['from', 'to', 'granularity', 'series', 'topAssets'],
} as const;

/**
 * The account's usage as series (docs/usage.md): what the core counted per hour, flushed from
 * every node within a few seconds, rolled up into days after KILN_USAGE_HOURLY_RETENTION_HOURS.
 */
export async function usageRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.addHook('onRequest', async (request) => runtime.rateLimits.ip.consume(request.ip, 'client address'));

  app.get(
    '/usage',
    {
      schema: {
        summary: "The account's usage over time",
        description:
          'Delivered requests and bytes, image transforms, uploads, stored bytes, transcoding and minutes viewed, per hour or day, with the top assets by delivered bytes.',
        tags: ['usage'],
        security: [{ bearer: [] }],
        querystring,
        response: { 200: usageResponse, ...errorResponses },
      },
    },
    async (request) => {
      const account = await requireBearerAccount(runtime, request);
      const parsed = usageQuery.safeParse(request.query);
      if (!parsed.success) throw errors.invalid(parsed.error.issues[0]!.message);
      const q = parsed.data;
      const step = q.granularity === 'hour' ? HOUR_SECONDS : DAY_SECONDS;
      const to = q.to ?? periodStart(Date.now(), q.granularity) + step;
      const from = q.from ?? to - 24 * step;
      if (from >= to) throw errors.invalid('`from` must be before `to`');
      if ((to - from) / step > MAX_POINTS)
        throw errors.invalid(`At most ${MAX_POINTS} ${q.granularity}s at once; narrow the range or use days`);
      return usageReport(runtime.usage.repository, {
        accountId: account.id,
        from,
        to,
        granularity: q.granularity,
        metrics: q.metric ?? USAGE_METRIC_NAMES,
        kind: q.kind,
        assetId: q.asset,
        top: q.top,
      });
    },
  );
}
