import type { Asset, AssetStatus } from '../../../../core/assets/asset.js';
import { badRequest, parseRfc3339 } from '../../../../core/cloudflare-stream/stream-options.js';
import { STREAM_SOURCE, streamFacts } from '../../../../core/video/video-facts.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';

const STATES = new Set([
  'pendingupload',
  'downloading',
  'queued',
  'inprogress',
  'ready',
  'error',
  'live-inprogress',
]);
const PAGE = 1000;

/**
 * `GET /stream` filters (reference §3.1). Time, order, status and name search run in the database;
 * creator, id and exact-name filters are applied to the rows read, page by page, until `limit`
 * videos match.
 */
export async function listVideos(runtime: KilnRuntime, accountId: string, q: Record<string, unknown>) {
  const str = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
  const limit = str('limit') === undefined ? PAGE : Number(str('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE)
    throw badRequest(`limit must be an integer from 1 to ${PAGE}`);
  const status = str('status');
  if (status && !STATES.has(status)) throw badRequest(`status must be one of ${[...STATES].join(', ')}`);
  const after = str('after') ?? str('start');
  const before = str('before') ?? str('end');
  const type = str('type');
  if (type && type !== 'vod' && type !== 'live') throw badRequest('type must be vod or live');
  const ids = str('id')?.split(',');
  const names = (str('name') ?? str('video_name'))?.split(',');
  const creator = str('creator');
  const liveInputId = str('live_input_id');
  const base = {
    accountId,
    kind: 'video' as const,
    source: STREAM_SOURCE,
    status: status as AssetStatus | undefined,
    search: str('search'),
    createdAfter: after ? new Date(parseRfc3339(after, 'after')).toISOString() : undefined,
    createdBefore: before ? new Date(parseRfc3339(before, 'before')).toISOString() : undefined,
    ascending: str('asc') === 'true',
  };
  const matches = (a: Asset) =>
    (!ids || ids.includes(a.id)) &&
    (!names || names.includes(String(a.metadata.name ?? ''))) &&
    (!creator || streamFacts(a).creator === creator) &&
    (!liveInputId || streamFacts(a).liveInput === liveInputId) &&
    (!type || (type === 'live') === Boolean(streamFacts(a).liveInput));
  const videos: Asset[] = [];
  for (let offset = 0; videos.length < limit; offset += PAGE) {
    const page = await runtime.assets.list({ ...base, limit: PAGE, offset });
    videos.push(...page.filter(matches).slice(0, limit - videos.length));
    if (page.length < PAGE) break;
  }
  const filtered = Boolean(
    ids || names || creator || liveInputId || type || status || after || before || base.search,
  );
  const total = filtered
    ? videos.length
    : await runtime.assets.count({ accountId, kind: 'video', source: STREAM_SOURCE });
  return { videos, total };
}

/** Minutes of video stored (ready or not), for the account or one creator. */
export async function storageUsage(runtime: KilnRuntime, accountId: string, creator?: string) {
  let seconds = 0;
  let count = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = await runtime.assets.list({
      accountId,
      kind: 'video',
      source: STREAM_SOURCE,
      limit: PAGE,
      offset,
    });
    for (const a of page) {
      if (creator && streamFacts(a).creator !== creator) continue;
      count++;
      seconds += Math.max(0, a.durationSeconds ?? 0);
    }
    if (page.length < PAGE) break;
  }
  return {
    ...(creator !== undefined && { creator }),
    totalStorageMinutes: Math.round((seconds / 60) * 1000) / 1000,
    totalStorageMinutesLimit: 1_000_000,
    videoCount: count,
  };
}
