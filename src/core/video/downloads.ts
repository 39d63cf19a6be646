import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { type Asset, assetPrefix } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { Rendition, RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';
import type { JobContext, JobQueue } from '../jobs/job-queue.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { inputArgs } from './media-formats.js';
import { streamFacts, streamPrefix } from './video-facts.js';
import { DOWNLOAD_KIND, patchTrack, saveTrack } from './video-tracks.js';

export const DOWNLOAD_JOB = 'cfstream.download';
export type DownloadType = 'default' | 'audio';
export const DOWNLOAD_TYPES: readonly DownloadType[] = ['default', 'audio'];

export interface DownloadDeps {
  assets: AssetRepository;
  blobs: BlobStore;
  renditions: RenditionRepository;
  jobs: JobQueue;
}

/** The `Download` object: status, url, percentComplete. */
export interface DownloadView {
  status: 'inprogress' | 'ready' | 'error';
  url: string;
  percentComplete: number;
}

export const DOWNLOAD_FILES: Record<DownloadType, string> = { default: 'default.mp4', audio: 'audio.m4a' };

export function downloadKey(asset: Pick<Asset, 'accountId' | 'id'>, type: DownloadType): string {
  return `${assetPrefix(asset.accountId, asset.id)}/downloads/${DOWNLOAD_FILES[type]}`;
}

export function downloadView(deliveryBase: string, r: Rendition): DownloadView {
  return {
    status: (r.extra.status as DownloadView['status']) ?? 'inprogress',
    url: `${deliveryBase}/downloads/${DOWNLOAD_FILES[r.name as DownloadType]}`,
    percentComplete: Number(r.extra.percentComplete ?? 0),
  };
}

/** Starts (or returns) a download of a ready video; the job remuxes the packaged stream. */
export async function createDownload(
  deps: DownloadDeps,
  asset: Asset,
  type: DownloadType,
): Promise<Rendition> {
  if (asset.status !== 'ready') {
    throw new KilnError('invalid_input', 'Downloads can be created once the video is ready to stream');
  }
  if (type === 'audio' && !streamFacts(asset).hasAudio) {
    throw new KilnError('invalid_input', 'This video has no audio to download');
  }
  const existing = await deps.renditions.find(asset.id, DOWNLOAD_KIND, type);
  if (existing && existing.extra.status !== 'error') return existing;
  await saveTrack(deps, asset, DOWNLOAD_KIND, type, {
    blobKey: downloadKey(asset, type),
    contentType: type === 'audio' ? 'audio/mp4' : 'video/mp4',
    extra: { status: 'inprogress', percentComplete: 0 },
  });
  await deps.jobs.enqueue(
    DOWNLOAD_JOB,
    { accountId: asset.accountId, assetId: asset.id, type },
    { singletonKey: `${asset.id}:${type}`, maxAttempts: 3, backoffMs: 2000, leaseSeconds: 300 },
  );
  return (await deps.renditions.find(asset.id, DOWNLOAD_KIND, type)) as Rendition;
}

export async function deleteDownloads(
  deps: DownloadDeps,
  asset: Asset,
  types: readonly DownloadType[],
): Promise<void> {
  for (const type of types) {
    await deps.renditions.delete(asset.id, DOWNLOAD_KIND, type);
    await deps.blobs.delete(downloadKey(asset, type)).catch(() => {});
  }
}

/**
 * The job: concatenates the init and media segments of the top video rung (and of the audio) as
 * packaged at processing, then remuxes them without re-encoding into a progressive MP4 (moov up
 * front) or an M4A. Same frames as the stream, so the duration matches; seconds, not minutes.
 */
export async function buildDownload(
  deps: DownloadDeps,
  job: JobContext<{ accountId: string; assetId: string; type: DownloadType }>,
): Promise<void> {
  const { accountId, assetId, type } = job.payload;
  const asset = await deps.assets.find(accountId, assetId);
  const entry = asset ? await deps.renditions.find(assetId, DOWNLOAD_KIND, type) : null;
  if (!asset || !entry || entry.extra.status === 'ready') return;
  const facts = streamFacts(asset);
  const videoRep = facts.rungs.length - 1;
  const audioRep = facts.hasAudio ? facts.rungs.length : null;
  const reps = type === 'audio' ? [audioRep] : [videoRep, audioRep];
  const work = await makeScratchDir('kiln-download');
  try {
    const segments = await deps.renditions.list(assetId, 'stream');
    const inputs: string[] = [];
    const wanted = reps.filter((r): r is number => r !== null && r >= 0);
    const total = wanted.reduce((n, rep) => n + repFiles(segments, rep).length, 0);
    let done = 0;
    for (const rep of wanted) {
      const path = join(work, `rep-${rep}.mp4`);
      const out = createWriteStream(path);
      for (const file of repFiles(segments, rep)) {
        const body = await deps.blobs.get(`${streamPrefix(asset)}/${file}`);
        for await (const chunk of body)
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        done++;
        await progress(deps, job, assetId, type, (done / total) * 0.9);
      }
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
      inputs.push(path);
    }
    if (inputs.length === 0)
      throw new KilnError('processing_failed', 'The video has no packaged stream to download');
    const output = join(work, DOWNLOAD_FILES[type]);
    const tools = await defaultFfmpegTools();
    await runTool(
      tools.ffmpeg,
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
        ...inputs.flatMap((i) => inputArgs(i, 'mov')), // fMP4 segments as packaged at processing
        ...inputs.flatMap((_, n) => ['-map', `${n}`]),
        ...['-c', 'copy', '-movflags', '+faststart', output],
      ],
      { name: 'ffmpeg', signal: job.signal, timeoutMs: 600_000, access: { write: [work] } },
    );
    const key = downloadKey(asset, type);
    await deps.blobs.put(key, createReadStream(output), {
      contentType: entry.contentType,
      signal: job.signal,
    });
    const size = (await stat(output)).size;
    const saved = await patchTrack(
      deps,
      assetId,
      DOWNLOAD_KIND,
      type,
      { status: 'ready', percentComplete: 100 },
      size,
    );
    if (!saved) await deps.blobs.delete(key); // deleted while we worked
  } catch (err) {
    if (job.signal.aborted || job.attempt < job.maxAttempts) throw err;
    await patchTrack(deps, assetId, DOWNLOAD_KIND, type, { status: 'error', percentComplete: 0 });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `manifest/init-<rep>.m4s` then its chunks in order, as recorded at processing. */
function repFiles(segments: Rendition[], rep: number): string[] {
  const chunk = new RegExp(`^manifest/chunk-${rep}-(\\d+)\\.m4s$`);
  const chunks = segments
    .map((s) => s.name)
    .filter((n) => chunk.test(n))
    .sort((a, b) => Number(chunk.exec(a)![1]) - Number(chunk.exec(b)![1]));
  return [`manifest/init-${rep}.m4s`, ...chunks];
}

let lastWrite = 0;
async function progress(
  deps: DownloadDeps,
  job: JobContext,
  assetId: string,
  type: DownloadType,
  fraction: number,
): Promise<void> {
  if (Date.now() - lastWrite < 500) return;
  lastWrite = Date.now();
  await job.heartbeat(fraction);
  await patchTrack(deps, assetId, DOWNLOAD_KIND, type, { percentComplete: Math.round(fraction * 1000) / 10 });
}
