import type { Asset } from '../assets/asset.js';
import { KilnError } from '../errors/kiln-error.js';
import { checkFetchUrl, parseFetchUrl, type UrlPolicy } from '../fetch/check-url.js';
import { type FetchFailureReason, fetchReasonOf } from '../fetch/fetch-error.js';
import { safeFetch } from '../fetch/safe-fetch.js';
import type { JobContext } from '../jobs/job-queue.js';
import { streamFacts } from './video-facts.js';
import { failVideo } from './video-failure.js';
import { createStreamVideo, ingestVideoBytes, type NewStreamVideo, type StreamDeps } from './videos.js';

export const COPY_STREAM_VIDEO_JOB = 'cfstream.copy';

/** Cloudflare's limit for one video; a copy streams into the store, so size is no memory concern. */
export const COPY_MAX_BYTES = 30 * 1024 ** 3;
const COPY_TIMEOUT_MS = 60 * 60_000;

export interface CopyDeps extends StreamDeps {
  config: { streamLeaseSeconds: number };
  fetchPolicy: UrlPolicy;
  onFinished?: (asset: Asset) => Promise<void>;
}

/**
 * `POST /stream/copy`: checks the URL up front (scheme, host, public address unless
 * KILN_ALLOW_PRIVATE_FETCH), creates the video in `downloading` and queues the durable fetch.
 */
export async function startCopy(
  deps: CopyDeps,
  input: Omit<NewStreamVideo, 'state' | 'uploadKind' | 'copyUrl'> & { url: string },
): Promise<Asset> {
  let url: URL;
  try {
    url = parseFetchUrl(input.url);
    await checkFetchUrl(url, deps.fetchPolicy);
  } catch (err) {
    throw refused(input.url, err);
  }
  const video = await createStreamVideo(deps, {
    ...input,
    state: 'downloading',
    uploadKind: 'copy',
    copyUrl: url.toString(),
  });
  await deps.jobs.enqueue(
    COPY_STREAM_VIDEO_JOB,
    { accountId: video.accountId, assetId: video.id },
    { singletonKey: video.id, maxAttempts: 3, backoffMs: 2000, leaseSeconds: 600 },
  );
  return video;
}

/**
 * The durable fetch: streams the URL into the video's original (safeFetch re-checks every hop and
 * the address it connects to), then hands over to the normal processing (`queued`). Transient
 * failures retry; a refusal or a 4xx ends in `error` with ERR_FETCH_ORIGIN_ERROR at once.
 */
export async function copyFromUrl(
  deps: CopyDeps,
  job: JobContext<{ accountId: string; assetId: string }>,
): Promise<void> {
  const asset = await deps.assets.find(job.payload.accountId, job.payload.assetId);
  if (!asset || asset.status !== 'downloading') return;
  const url = streamFacts(asset).copyUrl;
  if (!url)
    return void (await failVideo(deps, asset, 'ERR_FETCH_ORIGIN_ERROR', 'The video has no URL to copy'));
  try {
    const res = await safeFetch(url, {
      ...deps.fetchPolicy,
      maxBytes: COPY_MAX_BYTES,
      timeoutMs: COPY_TIMEOUT_MS,
      signal: job.signal,
    });
    const name = typeof asset.metadata.name === 'string' ? null : (res.filename ?? null);
    await ingestVideoBytes(deps, asset, res.body, { maxBytes: COPY_MAX_BYTES, name, signal: job.signal });
  } catch (err) {
    const reason = fetchReasonOf(err);
    const transient = reason === undefined || TRANSIENT.has(reason);
    if (job.signal.aborted || (transient && job.attempt < job.maxAttempts)) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    await failVideo(
      deps,
      asset,
      'ERR_FETCH_ORIGIN_ERROR',
      `The video could not be fetched from ${url}: ${detail}`,
    );
  }
}

const TRANSIENT = new Set<FetchFailureReason>(['timeout', 'connection', 'host_not_found']);

function refused(url: string, err: unknown): KilnError {
  const reason = fetchReasonOf(err);
  const why = err instanceof Error ? err.message : String(err);
  const hint = reason === 'private_ip' ? ' Private, loopback and link-local addresses are refused.' : '';
  return new KilnError('invalid_input', `The URL ${JSON.stringify(url)} cannot be copied: ${why}${hint}`, {
    details: { fetchReason: reason },
  });
}
