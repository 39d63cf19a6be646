import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import type { Asset } from '../assets/asset.js';
import { errors } from '../errors/kiln-error.js';
import type { JobContext } from '../jobs/job-queue.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { inputArgs } from './media-formats.js';
import { probeMedia } from './probe.js';
import { failVideo } from './video-failure.js';
import type { VideoSettings } from './video-settings.js';
import { createStreamVideo, ingestVideoBytes, type StreamDeps } from './videos.js';
import type { WatermarkView } from './watermarks.js';

export const CLIP_STREAM_VIDEO_JOB = 'cfstream.clip';

export interface ClipRange {
  clippedFrom: string;
  startTimeSeconds: number;
  endTimeSeconds: number;
}

export interface ClipDeps extends StreamDeps {
  onFinished?: (asset: Asset) => Promise<void>;
}

/** Validates the range against the source (which must be ready) and reads the three fields. */
export function parseClipRange(body: Record<string, unknown>, source: Asset): ClipRange {
  const start = body.startTimeSeconds;
  const end = body.endTimeSeconds;
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0)
    throw errors.invalid('startTimeSeconds must be a non-negative integer');
  if (typeof end !== 'number' || !Number.isInteger(end) || end <= start)
    throw errors.invalid('endTimeSeconds must be an integer greater than startTimeSeconds');
  if (source.status !== 'ready') throw errors.invalid('The video to clip from is not ready to stream');
  const duration = source.durationSeconds ?? 0;
  if (start >= duration)
    throw errors.invalid(`startTimeSeconds is past the end of the video (${duration} s)`);
  return {
    clippedFrom: source.id,
    startTimeSeconds: start,
    endTimeSeconds: Math.min(end, Math.ceil(duration)),
  };
}

/** A new video in `queued` (`clippedFrom` set; scheduledDeletion never inherited), cut by a job. */
export async function createClip(
  deps: ClipDeps,
  accountId: string,
  range: ClipRange,
  settings: VideoSettings & {
    name?: string | null;
    creator?: string | null;
    watermark?: WatermarkView | null;
  },
): Promise<Asset> {
  const video = await createStreamVideo(deps, { ...settings, accountId, state: 'queued', uploadKind: 'api' });
  const clip = await deps.assets.update(accountId, video.id, { extra: { ...video.extra, clip: range } });
  await deps.jobs.enqueue(
    CLIP_STREAM_VIDEO_JOB,
    { accountId, assetId: clip.id },
    { singletonKey: clip.id, maxAttempts: 3, backoffMs: 2000, leaseSeconds: 300 },
  );
  return clip;
}

/**
 * The job: cuts the range out of the source's original (frame-accurate: decoded from the nearest
 * keyframe, re-encoded near-losslessly), stores it as the clip's original and queues the normal
 * processing, so a clip becomes a video like any upload.
 */
export async function cutClip(
  deps: ClipDeps,
  job: JobContext<{ accountId: string; assetId: string }>,
): Promise<void> {
  const clip = await deps.assets.find(job.payload.accountId, job.payload.assetId);
  if (!clip || clip.blobKey || clip.status !== 'queued') return;
  const range = clip.extra.clip as ClipRange;
  const source = await deps.assets.find(clip.accountId, range.clippedFrom);
  if (!source?.blobKey) {
    await failVideo(deps, clip, 'ERR_UNKNOWN', 'The video this clip was cut from no longer exists');
    return;
  }
  const work = await makeScratchDir('kiln-clip');
  try {
    const input = join(work, 'source');
    const output = join(work, 'clip.mp4');
    await pipeline(await deps.blobs.get(source.blobKey), createWriteStream(input), { signal: job.signal });
    const length = range.endTimeSeconds - range.startTimeSeconds;
    const tools = await defaultFfmpegTools();
    const probe = await probeMedia(input, { tools, signal: job.signal });
    await runTool(
      tools.ffmpeg,
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
        ...['-ss', `${range.startTimeSeconds}`, ...inputArgs(input, probe.demuxer), '-t', `${length}`],
        ...['-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16'],
        ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '192k', '-movflags', '+faststart', output],
      ],
      {
        name: 'ffmpeg',
        signal: job.signal,
        timeoutMs: 120_000 + length * 20_000,
        access: { read: [input], write: [work] },
      },
    );
    await ingestVideoBytes(deps, clip, createReadStream(output), { maxBytes: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    if (job.signal.aborted || job.attempt < job.maxAttempts) throw err;
    await failVideo(
      deps,
      clip,
      'ERR_UNKNOWN',
      `The clip could not be cut: ${err instanceof Error ? err.message : err}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
