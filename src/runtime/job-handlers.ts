import { CLEAN_ORPHANS_JOB, cleanOrphans, scheduleOrphanSweep } from '../core/assets/clean-orphans.js';
import { PURGE_ASSET_JOB, type PurgeAssetPayload, purgeAsset } from '../core/assets/delete-asset.js';
import { EXPIRE_ASSETS_JOB, expireAssets, scheduleExpirySweep } from '../core/assets/expire-assets.js';
import {
  deliverWebhook,
  enqueueWebhook,
  STREAM_WEBHOOK_JOB,
} from '../core/cloudflare-stream/stream-webhooks.js';
import {
  EVICT_VARIANTS_JOB,
  type EvictVariantsPayload,
  evictVariants,
} from '../core/images/evict-variants.js';
import { EVICT_REMOTE_SOURCES_JOB } from '../core/images/remote-sources/evict-remote-sources.js';
import { ResumableUploadStore } from '../core/ingest/resumable-upload-store.js';
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
import { runConversion } from '../core/uploadcare/conversion-job.js';
import { UC_CONVERT_JOB } from '../core/uploadcare/conversions.js';
import { UC_WEBHOOK_JOB, type UcWebhookPayload } from '../core/uploadcare/file-events.js';
import { announceRemoval } from '../core/uploadcare/file-removal.js';
import { runFromUrlJob, UC_FROM_URL_JOB } from '../core/uploadcare/from-url-job.js';
import { abandonMultipart, UC_MULTIPART_ABANDON_JOB } from '../core/uploadcare/multipart-upload.js';
import { deliverUcWebhook } from '../core/uploadcare/webhook-delivery.js';
import {
  maintainUsage,
  scheduleUsageMaintenance,
  USAGE_MAINTENANCE_JOB,
} from '../core/usage/usage-maintenance.js';
import { type ProcessPayload, processStreamVideo } from '../core/video/process-video.js';
import { PROCESS_STREAM_VIDEO_JOB } from '../core/video/videos.js';
import { videoView } from '../http/dialects/cloudflare/stream/video-view.js';
import type { DeclareJob, JobKindSpec } from './job-table.js';
import type { KilnRuntime } from './kiln-runtime.js';
import { declareStreamMediaJobs } from './stream-media-jobs.js';

/**
 * Every job kind a worker can run, in one table, with the periodic sweeps that re-arm themselves.
 * Features add their rows here, so a worker process knows the whole list.
 */
export function jobTable(runtime: KilnRuntime): {
  table: JobKindSpec[];
  periodic: Array<() => Promise<unknown>>;
} {
  const { jobs, config } = runtime;
  const table: JobKindSpec[] = [];
  const work: DeclareJob = (kind, handler, concurrency) => {
    table.push({ kind, concurrency, handle: handler as JobHandler<JobPayload> });
  };

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
    async (job) => {
      await announceRemoval(runtime, job.payload); // Uploadcare's file.deleted, from every way a file goes
      await purgeAsset(runtime, job.payload);
    },
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
      // Kiln's resumable uploads have no row: their records expire by age.
      const abandoned = await new ResumableUploadStore(runtime.blobs).deleteExpired();
      if (abandoned > 0) runtime.log.info({ abandoned }, 'removed abandoned resumable uploads');
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

  // Remote image sources: least-recently-used eviction back under KILN_IMAGE_SOURCE_STORE_MB.
  work(
    EVICT_REMOTE_SOURCES_JOB,
    async () => {
      const evicted = await runtime.remoteSources.evict(config.imageSourceStoreMb * 1024 * 1024);
      if (evicted > 0) runtime.log.info({ evicted }, 'evicted remote image sources');
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
          meter: runtime.usage.meter,
          onFinished: (asset) =>
            enqueueWebhook({ ...runtime, renderVideo: (video) => videoView(config.publicUrl, video) }, asset),
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
  // REST API conversions run ffmpeg or sharp: one at a time per worker process.
  work<{ token: number }>(UC_CONVERT_JOB, (job) => runConversion(runtime, job), 1);
  work<UcWebhookPayload>(UC_WEBHOOK_JOB, (job) => deliverUcWebhook(runtime, job), config.workerConcurrency);
  declareStreamMediaJobs(runtime, work);

  // Usage: sample stored bytes, roll old hourly rows up into days.
  const armUsage = () => scheduleUsageMaintenance(jobs, config.usageSampleSeconds);
  work(
    USAGE_MAINTENANCE_JOB,
    async () => {
      await armUsage();
      const { rolledUp } = await maintainUsage(runtime.usage.repository, config.usageHourlyRetentionHours);
      if (rolledUp > 0) runtime.log.info({ rolledUp }, 'rolled hourly usage up into days');
    },
    1,
  );

  return { table, periodic: [armExpiry, armOrphans, armUsage] };
}

/** Registers every row of the job table with the queue, each logged the same way, and arms the sweeps. */
export function registerJobHandlers(runtime: KilnRuntime): void {
  const { table, periodic } = jobTable(runtime);
  for (const row of table)
    runtime.jobs.work(row.kind, logged(runtime, row.handle), { concurrency: row.concurrency });
  for (const arm of periodic) {
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
