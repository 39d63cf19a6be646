import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../../adapters/db/database.js';
import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { isKilnError } from '../errors/kiln-error.js';
import type { JobContext } from '../jobs/job-queue.js';
import { makeScratchDir } from '../media/scratch-space.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { type MediaProbe, probeMedia } from './probe.js';
import { transcode } from './transcode.js';
import { PACKAGING_CONTENT_TYPES, uploadDirectory } from './upload-directory.js';
import { type StreamErrorCode, streamFacts, streamPrefix } from './video-facts.js';
import { failVideo } from './video-failure.js';
import { warmDefaultThumbnail } from './video-thumbnails.js';
import { updateFacts } from './videos.js';
import { loadWatermarkOverlay } from './watermarks.js';

export interface ProcessDeps {
  assets: AssetRepository;
  blobs: BlobStore;
  renditions: RenditionRepository;
  /** Needed to apply watermark profiles (videos that name one). */
  db?: Db;
  /** Called once a video reaches ready or error (webhooks). */
  onFinished?: (asset: Asset) => Promise<void>;
  /** Counts transcoding seconds and output minutes per account. */
  meter?: UsageMeter;
}

export interface ProcessPayload extends Record<string, unknown> {
  accountId: string;
  assetId: string;
}

const PROGRESS_WRITE_MS = 1000;

/**
 * The processing job of one video: probe, check constraints, transcode to the ladder (HLS + DASH
 * from one ffmpeg run), upload the renditions under the asset's prefix, warm the default thumbnail,
 * then `ready`. A file that is not a playable video ends in `error` with a reason at once; other
 * failures (crash, timeout, store) are retried and end in ERR_UNKNOWN on the last attempt.
 */
export async function processStreamVideo(deps: ProcessDeps, job: JobContext<ProcessPayload>): Promise<void> {
  const { accountId, assetId } = job.payload;
  let asset = await deps.assets.find(accountId, assetId);
  if (!asset || !asset.blobKey || asset.status === 'ready' || asset.status === 'error') return;
  const blobKey = asset.blobKey;
  asset = await updateFacts(deps.assets, asset, { pctComplete: 0 }, { status: 'inprogress' });
  const work = await makeScratchDir('kiln-stream');
  try {
    const input = join(work, 'original');
    await pipeline(await deps.blobs.get(blobKey), createWriteStream(input));
    const probe = await probeMedia(input, { signal: job.signal });
    const rejection = checkConstraints(probe, streamFacts(asset).maxDurationSeconds);
    if (rejection) return await fail(deps, asset, rejection[0], rejection[1]);

    const watermarkUid = streamFacts(asset).watermarkUid;
    const overlay =
      watermarkUid && deps.db
        ? await loadWatermarkOverlay({ db: deps.db, blobs: deps.blobs }, accountId, watermarkUid, work)
        : null;

    let lastWrite = 0;
    let current = asset;
    const started = performance.now();
    const result = await transcode(input, {
      probe,
      overlay: overlay ?? undefined,
      signal: job.signal,
      tempRoot: work,
      onProgress: (fraction) => {
        const now = Date.now();
        if (now - lastWrite < PROGRESS_WRITE_MS) return;
        lastWrite = now;
        void job.heartbeat(fraction).catch(() => {});
        void updateFacts(deps.assets, current, { pctComplete: Math.min(99, fraction * 95) })
          .then((a) => {
            current = a;
          })
          .catch(() => {});
      },
    });
    // Work done, counted once per successful transcode: ffmpeg's wall time, and the minutes of video
    // it produced summed over the ladder's renditions.
    deps.meter?.add(accountId, 'transcode_seconds', (performance.now() - started) / 1000);
    deps.meter?.add(
      accountId,
      'transcode_output_minutes',
      (probe.durationSeconds / 60) * Math.max(1, result.renditions.length),
    );
    const prefix = streamPrefix(asset);
    await deps.blobs.deletePrefix(prefix); // a retried attempt starts clean
    const stored = await uploadDirectory(deps.blobs, result.dir, prefix, { signal: job.signal });
    for (const blob of stored) {
      const name = relative(prefix, blob.key);
      await deps.renditions.record({
        assetId: asset.id,
        accountId: asset.accountId,
        kind: 'stream',
        name,
        blobKey: blob.key,
        size: blob.size,
        contentType: PACKAGING_CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream',
      });
    }
    await result.dispose();
    const fresh = (await deps.assets.find(accountId, assetId)) ?? asset;
    const rungs = result.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bitrate: r.videoBitrate,
    }));
    const ready = await updateFacts(
      deps.assets,
      fresh,
      { pctComplete: 100, readyToStreamAt: new Date().toISOString(), rungs, hasAudio: result.hasAudio },
      {
        status: 'ready',
        durationSeconds: round3(probe.durationSeconds),
        width: probe.width,
        height: probe.height,
      },
    );
    await warmDefaultThumbnail(deps, ready).catch(() => {});
    await deps.onFinished?.(ready);
  } catch (err) {
    if (isKilnError(err) && err.code === 'processing_failed' && err.details.rejection) {
      // Bytes that are not even sniffed as media are "not a video"; a damaged video file is malformed.
      const media = /^(video|audio)\//.test(asset.contentType);
      const code: StreamErrorCode =
        err.details.rejection === 'non_video' || !media ? 'ERR_NON_VIDEO' : 'ERR_MALFORMED_VIDEO';
      return await fail(deps, asset, code, err.message);
    }
    if (job.signal.aborted || job.attempt < job.maxAttempts) throw err;
    await fail(deps, asset, 'ERR_UNKNOWN', 'The video could not be processed; please try uploading it again');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function checkConstraints(probe: MediaProbe, maxDuration: number | null): [StreamErrorCode, string] | null {
  if (!probe.hasVideo) return ['ERR_NON_VIDEO', 'The file is not a video: it has no video stream'];
  if (probe.durationSeconds < 0.1) return ['ERR_DURATION_TOO_SHORT', 'The video is shorter than 0.1 seconds'];
  if (maxDuration !== null && probe.durationSeconds > maxDuration + 0.5) {
    return [
      'ERR_DURATION_EXCEED_CONSTRAINT',
      `The video is ${probe.durationSeconds.toFixed(1)} s long, more than the maxDurationSeconds of ${maxDuration} s set for this upload`,
    ];
  }
  return null;
}

async function fail(deps: ProcessDeps, asset: Asset, code: StreamErrorCode, text: string): Promise<void> {
  await failVideo(deps, asset, code, text);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
