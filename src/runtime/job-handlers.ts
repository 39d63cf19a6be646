import { CLEAN_ORPHANS_JOB, cleanOrphans, scheduleOrphanSweep } from '../core/assets/clean-orphans.js';
import { PURGE_ASSET_JOB, type PurgeAssetPayload, purgeAsset } from '../core/assets/delete-asset.js';
import { EXPIRE_ASSETS_JOB, expireAssets, scheduleExpirySweep } from '../core/assets/expire-assets.js';
import {
  EVICT_VARIANTS_JOB,
  type EvictVariantsPayload,
  evictVariants,
} from '../core/images/evict-variants.js';
import type { JobHandler, JobPayload } from '../core/jobs/job-queue.js';
import { BroadcastLeases } from '../core/live/broadcast-leases.js';
import {
  type BroadcastWatchPayload,
  type FinishRecordingPayload,
  LIVE_BROADCAST_WATCH_JOB,
  LIVE_FINISH_RECORDING_JOB,
  runBroadcastWatch,
  runFinishRecording,
} from '../core/live/live-broadcast-jobs.js';
import { type ProcessPayload, processStreamVideo } from '../core/stream/process-stream-video.js';
import { PROCESS_STREAM_VIDEO_JOB } from '../core/stream/stream-videos.js';
import { deliverWebhook, enqueueWebhook, STREAM_WEBHOOK_JOB } from '../core/stream/stream-webhooks.js';
import { runFromUrlJob, UC_FROM_URL_JOB } from '../core/uploadcare/from-url-job.js';
import { abandonMultipart, UC_MULTIPART_ABANDON_JOB } from '../core/uploadcare/multipart-upload.js';
import type { KilnRuntime } from './kiln-runtime.js';
import { registerStreamMediaJobs } from './stream-media-jobs.js';

/**
 * Every job kind this process can run, with its concurrency. Features add their handlers here,
 * so a worker process knows the whole list.
 */
export function registerJobHandlers(runtime: KilnRuntime): void {
  const { jobs, config } = runtime;
  const work = <P extends JobPayload>(kind: string, handler: JobHandler<P>, concurrency: number) =>
    jobs.work<P>(kind, logged(runtime, handler), { concurrency });

  // Live broadcasts: a dead holder's broadcast ended for it; recordings finished after the reconnect wait.
  const leaseMs = config.liveLeaseSeconds * 1000;
  const leases = new BroadcastLeases(runtime.db, leaseMs);
  work<BroadcastWatchPayload>(
    LIVE_BROADCAST_WATCH_JOB,
    (job) => runBroadcastWatch(runtime, leases, leaseMs, job.payload),
    config.workerConcurrency,
  );
  work<FinishRecordingPayload>(
    LIVE_FINISH_RECORDING_JOB,
    (job) => runFinishRecording(runtime, leases, job.payload),
    config.workerConcurrency,
  );

  work<PurgeAssetPayload>(
    PURGE_ASSET_JOB,
    (job) => purgeAsset(runtime, job.payload),
    config.workerConcurrency,
  );

  // Periodic sweeps re-arm their next run first, so a failing run never breaks the chain.
  const armExpiry = () => scheduleExpirySweep(jobs, config.expirySweepSeconds);
  work(
    EXPIRE_ASSETS_JOB,
    async () => {
      await armExpiry();
      const expired = await expireAssets(runtime);
      if (expired > 0) runtime.log.info({ expired }, 'expired temporary assets');
    },
    1,
  );

  const armOrphans = () => scheduleOrphanSweep(jobs, config.orphanSweepSeconds);
  work(
    CLEAN_ORPHANS_JOB,
    async () => {
      await armOrphans();
      const cutoff = new Date(Date.now() - config.orphanMinAgeSeconds * 1000);
      const result = await cleanOrphans(runtime, cutoff);
      if (result.orphanAssets + result.staleUploads > 0)
        runtime.log.info(result, 'removed orphan blobs and stale uploads');
    },
    1,
  );

  // Image variants: least-recently-used eviction back under the caps (one run at a time per process).
  work<EvictVariantsPayload>(
    EVICT_VARIANTS_JOB,
    async (job) => {
      const { repository, usage, caps, stats } = runtime.variantStore;
      const result = await evictVariants(
        { blobs: runtime.blobs, variants: repository, usage, caps, stats, log: runtime.log },
        job.payload.accountId,
      );
      if (result.evicted > 0)
        runtime.log.info({ accountId: job.payload.accountId, ...result }, 'evicted variants');
    },
    1,
  );

  // Cloudflare Stream. Transcoding takes the CPU: one at a time per worker process.
  work<ProcessPayload>(
    PROCESS_STREAM_VIDEO_JOB,
    (job) =>
      processStreamVideo(
        {
          ...runtime,
          onFinished: (asset) => enqueueWebhook({ ...runtime, publicUrl: config.publicUrl }, asset),
        },
        job,
      ),
    1,
  );
  work<{ accountId: string; body: string }>(
    STREAM_WEBHOOK_JOB,
    (job) => deliverWebhook(runtime, job),
    config.workerConcurrency,
  );

  // Uploadcare.
  work<{ accountId: string; assetId: string }>(
    UC_MULTIPART_ABANDON_JOB,
    (job) => abandonMultipart(runtime, job.payload),
    1,
  );
  work<{ token: string }>(UC_FROM_URL_JOB, (job) => runFromUrlJob(runtime, job), config.workerConcurrency);
  registerStreamMediaJobs(runtime);

  for (const arm of [armExpiry, armOrphans]) {
    void arm().catch((err) => runtime.log.error({ err }, 'could not schedule a periodic job'));
  }
}

/** One `job done` log line per finished attempt (ops can see which worker ran what; tests count them). */
function logged<P extends JobPayload>(runtime: KilnRuntime, handler: JobHandler<P>): JobHandler<P> {
  return async (job) => {
    const started = Date.now();
    await handler(job);
    runtime.log.info(
      { job: { id: job.id, kind: job.kind, attempt: job.attempt }, ms: Date.now() - started },
      'job done',
    );
  };
}
