import { enqueueWebhook } from '../core/cloudflare-stream/stream-webhooks.js';
import { safeFetch } from '../core/fetch/safe-fetch.js';
import { AUDIO_TRACK_JOB, processAudioTrack } from '../core/video/audio-tracks.js';
import { CLIP_STREAM_VIDEO_JOB, cutClip } from '../core/video/clips.js';
import { COPY_MAX_BYTES, COPY_STREAM_VIDEO_JOB, copyFromUrl } from '../core/video/copy-video-from-url.js';
import { buildDownload, DOWNLOAD_JOB, type DownloadType } from '../core/video/downloads.js';
import { videoView } from '../http/dialects/cloudflare/stream/video-view.js';
import type { DeclareJob } from './job-table.js';
import type { KilnRuntime } from './kiln-runtime.js';

type VideoJob = { accountId: string; assetId: string };

/**
 * The Stream jobs beyond processing: copy from a URL, clips, extra audio tracks, downloads.
 * Copies and clips end in the normal processing job; their failures fire the webhook like it.
 */
export function declareStreamMediaJobs(runtime: KilnRuntime, work: DeclareJob): void {
  const { config } = runtime;
  const deps = {
    ...runtime,
    onFinished: (asset: Parameters<typeof enqueueWebhook>[1]) =>
      enqueueWebhook({ ...runtime, renderVideo: (video) => videoView(config.publicUrl, video) }, asset),
  };
  work<VideoJob>(COPY_STREAM_VIDEO_JOB, (job) => copyFromUrl(deps, job), config.workerConcurrency);
  // Cutting and audio packaging take the CPU like transcodes: one at a time per worker.
  work<VideoJob>(CLIP_STREAM_VIDEO_JOB, (job) => cutClip(deps, job), 1);
  work<VideoJob & { uid: string }>(
    AUDIO_TRACK_JOB,
    (job) =>
      processAudioTrack(
        {
          ...runtime,
          fetchUrl: async (url, signal) =>
            (
              await safeFetch(url, {
                ...runtime.fetchPolicy,
                maxBytes: COPY_MAX_BYTES,
                timeoutMs: 30 * 60_000,
                signal,
              })
            ).body,
        },
        job,
      ),
    1,
  );
  work<VideoJob & { type: DownloadType }>(
    DOWNLOAD_JOB,
    (job) => buildDownload(runtime, job),
    config.workerConcurrency,
  );
}
