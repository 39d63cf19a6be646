import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { Rendition, RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import { ingestStream } from '../ingest/ingest-stream.js';
import type { JobContext, JobQueue } from '../jobs/job-queue.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { relocateAudioAdaptationSet } from './manifest-writer.js';
import { inputArgs } from './media-formats.js';
import { probeMedia } from './probe.js';
import { AUDIO_BITRATE, SEGMENT_SECONDS } from './transcode.js';
import { uploadDirectory } from './upload-directory.js';
import { newStreamUid } from './video-facts.js';
import {
  AUDIO_KIND,
  audioTrackName,
  patchTrack,
  saveTrack,
  type TrackStatus,
  trackPrefix,
} from './video-tracks.js';

export const AUDIO_TRACK_JOB = 'cfstream.audio';
/** Cloudflare's limit for an uploaded audio file. */
export const MAX_AUDIO_BYTES = 200 * 1024 * 1024;

export interface AudioDeps {
  assets: AssetRepository;
  blobs: BlobStore;
  renditions: RenditionRepository;
  jobs: JobQueue;
}

/** The `Audio` object of the reference (§4.2). */
export interface AudioTrack {
  uid: string;
  label: string;
  default: boolean;
  status: TrackStatus;
}

export function audioView(r: Rendition): AudioTrack {
  return {
    uid: r.name,
    label: String(r.extra.label ?? ''),
    default: r.extra.default === true,
    status: (r.extra.status as TrackStatus) ?? 'queued',
  };
}

export async function listAudioTracks(
  deps: Pick<AudioDeps, 'renditions'>,
  asset: Asset,
): Promise<Rendition[]> {
  return deps.renditions.list(asset.id, AUDIO_KIND);
}

/** Where the track's source audio comes from: bytes already in the store, or a URL the job fetches. */
export type AudioSource = { sourceKey: string } | { url: string };

/**
 * Adds a track in `queued` and its durable job. The video must be ready: the track is cut or
 * padded to the video's duration and segmented like it.
 */
export async function addAudioTrack(
  deps: AudioDeps,
  asset: Asset,
  label: string,
  source: AudioSource | ((uid: string) => Promise<AudioSource>),
): Promise<AudioTrack> {
  if (asset.status !== 'ready') throw errors.invalid('Audio tracks can be added to a video once it is ready');
  const cleanLabel = parseLabel(label);
  await assertLabelFree(deps, asset, cleanLabel);
  const uid = newStreamUid();
  const src = typeof source === 'function' ? await source(uid) : source;
  await saveTrack(deps, asset, AUDIO_KIND, uid, {
    blobKey: trackPrefix(asset, audioTrackName(uid)),
    contentType: 'application/vnd.apple.mpegurl',
    extra: { label: cleanLabel, default: false, status: 'queued', ...src },
  });
  await deps.jobs.enqueue(
    AUDIO_TRACK_JOB,
    { accountId: asset.accountId, assetId: asset.id, uid },
    { singletonKey: `${asset.id}:${uid}`, maxAttempts: 3, backoffMs: 2000, leaseSeconds: 300 },
  );
  return { uid, label: cleanLabel, default: false, status: 'queued' };
}

/** Streams an uploaded audio file into the track's folder (at most 200 MB). */
export async function ingestAudioSource(
  deps: AudioDeps,
  asset: Asset,
  uid: string,
  body: Readable,
): Promise<AudioSource> {
  const sourceKey = `${trackPrefix(asset, audioTrackName(uid))}/source`;
  await ingestStream(deps.blobs, sourceKey, body, { maxBytes: MAX_AUDIO_BYTES });
  return { sourceKey };
}

export async function editAudioTrack(
  deps: AudioDeps,
  asset: Asset,
  uid: string,
  patch: { label?: unknown; default?: unknown },
): Promise<AudioTrack> {
  const track = await findTrack(deps, asset, uid);
  const next: Record<string, unknown> = {};
  if (patch.label !== undefined) {
    const label = parseLabel(patch.label);
    if (label !== track.extra.label) await assertLabelFree(deps, asset, label);
    next.label = label;
  }
  if (patch.default !== undefined) {
    if (typeof patch.default !== 'boolean') throw errors.invalid('default must be a boolean');
    if (patch.default) {
      for (const other of await listAudioTracks(deps, asset)) {
        if (other.name !== uid && other.extra.default === true)
          await patchTrack(deps, asset.id, AUDIO_KIND, other.name, { default: false });
      }
    }
    next.default = patch.default;
  }
  const updated = await patchTrack(deps, asset.id, AUDIO_KIND, uid, next);
  if (!updated) throw trackNotFound(uid);
  return audioView(updated);
}

export async function deleteAudioTrack(deps: AudioDeps, asset: Asset, uid: string): Promise<void> {
  const track = await findTrack(deps, asset, uid);
  if (track.extra.default === true) {
    throw errors.invalid('The default audio track cannot be deleted: make another track the default first');
  }
  await deps.renditions.delete(asset.id, AUDIO_KIND, uid);
  await deps.blobs.deletePrefix(trackPrefix(asset, audioTrackName(uid)));
}

/**
 * The job: audio source -> AAC stereo fMP4 segments of SEGMENT_SECONDS, padded with silence or
 * cut to the video's duration (so it lines up with the video's segments), packaged by the same
 * ffmpeg dash muxer as the ladder, HLS playlist included. A source without audio ends in `error`.
 */
export async function processAudioTrack(
  deps: AudioDeps & { fetchUrl: (url: string, signal: AbortSignal) => Promise<Readable> },
  job: JobContext<{ accountId: string; assetId: string; uid: string }>,
): Promise<void> {
  const { accountId, assetId, uid } = job.payload;
  const asset = await deps.assets.find(accountId, assetId);
  const track = asset ? await deps.renditions.find(assetId, AUDIO_KIND, uid) : null;
  if (!asset || !track || track.extra.status === 'ready' || track.extra.status === 'error') return;
  const folder = trackPrefix(asset, audioTrackName(uid));
  const work = await makeScratchDir('kiln-audio');
  try {
    await patchTrack(deps, assetId, AUDIO_KIND, uid, { status: 'inprogress' });
    const input = join(work, 'source');
    const source =
      typeof track.extra.sourceKey === 'string'
        ? await deps.blobs.get(track.extra.sourceKey)
        : await deps.fetchUrl(String(track.extra.url), job.signal);
    await pipeline(source, createWriteStream(input), { signal: job.signal });
    const out = join(work, 'out');
    await mkdir(out);
    const tools = await defaultFfmpegTools();
    const duration = asset.durationSeconds ?? 0;
    const probe = await probeMedia(input, { tools, use: 'audio', signal: job.signal });
    await runTool(
      tools.ffmpeg,
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...inputArgs(input, probe.demuxer)],
        ...['-map', '0:a:0'],
        ...['-af', 'apad', '-t', duration.toFixed(3), '-c:a', 'aac', '-b:a', `${AUDIO_BITRATE}`, '-ac', '2'],
        ...['-map_metadata', '-1', '-f', 'dash', '-seg_duration', `${SEGMENT_SECONDS}`],
        ...['-use_template', '1', '-use_timeline', '1', '-streaming', '0'],
        ...['-init_seg_name', 'init-$RepresentationID$.m4s'],
        ...['-media_seg_name', 'chunk-$RepresentationID$-$Number%05d$.m4s'],
        ...['-hls_playlist', '1', '-hls_master_name', 'master.m3u8', join(out, 'track.mpd')],
      ],
      {
        name: 'ffmpeg',
        signal: job.signal,
        timeoutMs: 120_000 + duration * 10_000,
        access: { read: [input], write: [out] },
      },
    );
    const dash = relocateAudioAdaptationSet(
      await readFile(join(out, 'track.mpd'), 'utf8'),
      `tracks/${audioTrackName(uid)}`,
      uid,
    );
    const stored = await uploadDirectory(deps.blobs, out, folder, { signal: job.signal });
    const size = stored.reduce((n, b) => n + b.size, 0);
    // An uploaded source lives in the track's folder and is spent; another video's original is not ours.
    if (typeof track.extra.sourceKey === 'string' && track.extra.sourceKey.startsWith(`${folder}/`)) {
      await deps.blobs.delete(track.extra.sourceKey);
    }
    const done = await patchTrack(
      deps,
      assetId,
      AUDIO_KIND,
      uid,
      { status: 'ready', dash, playlist: 'media_0.m3u8' },
      size,
    );
    if (!done) await deps.blobs.deletePrefix(folder); // deleted while we worked
  } catch (err) {
    if (job.signal.aborted) throw err;
    const permanent = err instanceof KilnError && (err.code === 'processing_failed' || err.status < 500);
    if (!permanent && job.attempt < job.maxAttempts) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    await patchTrack(deps, assetId, AUDIO_KIND, uid, { status: 'error', error: reason });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function parseLabel(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw errors.invalid('label is required and must be a string');
  if (value.length > 200) throw errors.invalid('label must be at most 200 characters');
  return value.trim();
}

async function assertLabelFree(
  deps: Pick<AudioDeps, 'renditions'>,
  asset: Asset,
  label: string,
): Promise<void> {
  const taken = (await listAudioTracks(deps, asset)).some((t) => t.extra.label === label);
  if (taken) {
    throw new KilnError('conflict', `An audio track labelled ${JSON.stringify(label)} already exists`, {
      details: { reason: 'audio_label_taken' },
    });
  }
}

async function findTrack(deps: Pick<AudioDeps, 'renditions'>, asset: Asset, uid: string): Promise<Rendition> {
  const track = await deps.renditions.find(asset.id, AUDIO_KIND, uid);
  if (!track) throw trackNotFound(uid);
  return track;
}

function trackNotFound(uid: string): KilnError {
  return new KilnError('not_found', `Audio track ${uid} not found`);
}
