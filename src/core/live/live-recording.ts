import { createReadStream, createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import type { Asset } from '../assets/asset.js';
import { deleteAsset } from '../assets/delete-asset.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { createStreamVideo, ingestVideoBytes, updateFacts } from '../video/videos.js';
import type { LiveDeps } from './live-deps.js';
import type { LiveInput } from './live-inputs.js';

const DAY_MS = 86_400_000;
/** Cloudflare's per-video size limit applies to recordings too. */
const MAX_RECORDING_BYTES = 30 * 1024 ** 3;

/**
 * The recording of a live input in `recording.mode: automatic` is a video in `live-inprogress`
 * from the first connection. Its media is the broadcast's own live HLS segments, kept in the blob
 * store under recordingPrefix (part by part, so a node that dies loses at most the segment it was
 * writing); a reconnect within `timeoutSeconds`, to any node, adds a part to the same video.
 */
export function recordingPrefix(videoId: string): string {
  return `stream-live-record/${videoId}/`;
}

/** The key of one recorded segment: parts and segments in order when sorted by name. */
export function recordedSegmentKey(videoId: string, part: number, segment: string): string {
  return `${recordingPrefix(videoId)}${String(part).padStart(5, '0')}-${segment}`;
}

/** The recording this broadcast continues (still live-inprogress), or a new one. */
export async function continueOrBeginRecording(
  runtime: LiveDeps,
  input: LiveInput,
  videoId: string | null,
): Promise<Asset> {
  if (videoId) {
    const video = await runtime.assets.find(input.accountId, videoId);
    if (video?.status === 'live-inprogress') return video;
  }
  const s = input.settings;
  return createStreamVideo(runtime, {
    accountId: input.accountId,
    state: 'live-inprogress',
    uploadKind: 'api',
    meta: { ...s.meta },
    creator: s.defaultCreator,
    requireSignedURLs: s.recording.requireSignedURLs,
    allowedOrigins: s.recording.allowedOrigins ?? [],
    liveInput: input.id,
  });
}

/**
 * Joins the recorded segments (ffmpeg concat demuxer, copy) and hands the file to asset creation
 * in one call (ingestVideoBytes: processing as for any upload); the video ends `queued`, or is
 * deleted when nothing was recorded. The segments are removed afterwards.
 */
export async function finishRecording(
  runtime: LiveDeps,
  input: LiveInput | null,
  accountId: string,
  videoId: string,
): Promise<Asset | null> {
  const prefix = recordingPrefix(videoId);
  let video = (await runtime.assets.find(accountId, videoId)) ?? null;
  if (!video) {
    await runtime.blobs.deletePrefix(prefix); // deleted while live
    return null;
  }
  const keys: string[] = [];
  for await (const blob of runtime.blobs.list(prefix)) keys.push(blob.key);
  keys.sort();
  if (keys.length === 0) {
    await deleteAsset(runtime, video.accountId, video.id);
    return null;
  }
  const work = await makeScratchDir('live-recording-');
  try {
    const parts: string[] = [];
    for (const [i, key] of keys.entries()) {
      const path = join(work, `${String(i).padStart(6, '0')}.ts`);
      await pipeline(await runtime.blobs.get(key), createWriteStream(path));
      parts.push(path);
    }
    const file = await joinSegments(work, parts);
    const days = input?.settings.deleteRecordingAfterDays ?? null;
    if (days !== null) {
      const at = new Date(Date.now() + days * DAY_MS).toISOString();
      video = await updateFacts(runtime.assets, video, { scheduledDeletion: at }, { expiresAt: at });
    }
    const ready = await ingestVideoBytes(runtime, video, createReadStream(file), {
      maxBytes: MAX_RECORDING_BYTES,
    });
    await runtime.blobs.deletePrefix(prefix);
    return ready;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function joinSegments(work: string, parts: string[]): Promise<string> {
  const list = join(work, 'parts.txt');
  await writeFile(list, parts.map((p) => `file '${p}'\n`).join(''));
  const out = join(work, 'joined.ts');
  await runTool(
    (await defaultFfmpegTools()).ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
      // Kiln's own list of its own MPEG-TS segments: nothing else may be opened through it.
      ...['-protocol_whitelist', 'file', '-format_whitelist', 'concat,mpegts'],
      ...['-f', 'concat', '-safe', '0', '-i', list],
      ...['-map', '0', '-c', 'copy', '-f', 'mpegts', out],
    ],
    { name: 'ffmpeg', timeoutMs: 600_000, access: { read: [work], write: [work] } },
  );
  return out;
}
