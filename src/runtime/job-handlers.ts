import { PURGE_ASSET_JOB, type PurgeAssetPayload, purgeAsset } from '../core/assets/delete-asset.js';
import { EXPIRE_ASSETS_JOB, expireAssets, scheduleExpirySweep } from '../core/assets/expire-assets.js';
import { type ProcessPayload, processStreamVideo } from '../core/stream/process-stream-video.js';
import { deliverWebhook, enqueueWebhook, STREAM_WEBHOOK_JOB } from '../core/stream/stream-webhooks.js';
import { PROCESS_STREAM_VIDEO_JOB } from '../core/stream/stream-videos.js';
import type { KilnRuntime } from './kiln-runtime.js';
import { registerStreamMediaJobs } from './stream-media-jobs.js';

/**
 * Every job kind this process can run, with its concurrency. Features add their handlers here,
 * so a worker process knows the whole list.
 */
export function registerJobHandlers(runtime: KilnRuntime): void {
  const { jobs, config } = runtime;
  jobs.work<PurgeAssetPayload>(PURGE_ASSET_JOB, (job) => purgeAsset(runtime, job.payload), {
    concurrency: config.workerConcurrency,
  });
  jobs.work(EXPIRE_ASSETS_JOB, async () => {
    await expireAssets(runtime);
    await scheduleExpirySweep(runtime.jobs);
  }, { concurrency: 1 });
  // Transcoding takes the CPU: one at a time per worker process.
  jobs.work<ProcessPayload>(
    PROCESS_STREAM_VIDEO_JOB,
    (job) =>
      processStreamVideo(
        {
          ...runtime,
          onFinished: (asset) => enqueueWebhook({ ...runtime, publicUrl: config.publicUrl }, asset),
        },
        job,
      ),
    { concurrency: 1 },
  );
  jobs.work<{ accountId: string; body: string }>(
    STREAM_WEBHOOK_JOB,
    (job) => deliverWebhook({ ...runtime, allowPrivateFetch: config.allowPrivateFetch }, job),
    { concurrency: config.workerConcurrency },
  );
  registerStreamMediaJobs(runtime);
  void scheduleExpirySweep(runtime.jobs).catch((err) => runtime.log.error({ err }, 'could not schedule expiry'));
}
