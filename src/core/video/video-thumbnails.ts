import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Asset } from '../assets/asset.js';
import type { RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobInfo, BlobStore } from '../blobs/blob-store.js';
import { imageFormat } from '../images/image-formats.js';
import { SingleFlight } from '../images/single-flight.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { renderAnimatedPreview } from './animated-preview.js';
import { extractThumbnail, type ThumbnailFit } from './thumbnail.js';
import { SEGMENT_SECONDS } from './transcode.js';
import { streamFacts, streamPrefix } from './video-facts.js';

/** A still (jpg) or animated (gif) thumbnail request, already validated. */
export interface ThumbnailRequest {
  format: 'jpg' | 'gif';
  /** Seconds; absent = the video's thumbnailTimestampPct. */
  seconds?: number;
  width?: number;
  height?: number;
  fit?: ThumbnailFit;
  /** GIF only. */
  duration?: number;
  fps?: number;
}

interface Deps {
  blobs: BlobStore;
  renditions: RenditionRepository;
}

const flights = new SingleFlight<BlobInfo>();

/**
 * The thumbnail blob for a request, rendered once and cached as a rendition (it counts against
 * storage and goes with the video). The frames come from the top rendition's fMP4 segments that
 * cover the moment (init segment + those chunks form a small playable file), so a thumbnail never
 * reads the whole original.
 */
export async function streamThumbnail(deps: Deps, asset: Asset, req: ThumbnailRequest): Promise<BlobInfo> {
  const facts = streamFacts(asset);
  const duration = asset.durationSeconds ?? 0;
  const at = Math.max(
    0,
    Math.min(req.seconds ?? facts.thumbnailTimestampPct * duration, Math.max(0, duration - 0.1)),
  );
  const canonical = JSON.stringify([
    req.format,
    round(at),
    req.width,
    req.height,
    req.fit,
    req.duration,
    req.fps,
  ]);
  const name = `${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}.${req.format}`;
  const key = `${streamPrefix(asset)}/thumbnails/${name}`;
  const cached = await deps.blobs.stat(key);
  if (cached) return cached;
  return flights.run(key, async () => {
    const work = await makeScratchDir('kiln-thumb');
    try {
      const span = req.format === 'gif' ? (req.duration ?? 5) : 0.5;
      const slice = await sliceOfTopRendition(deps.blobs, asset, at, span, work);
      const local = { seconds: at - slice.start };
      const bytes =
        req.format === 'gif'
          ? await renderAnimatedPreview(slice.path, {
              ...local,
              duration: req.duration ?? 5,
              fps: req.fps ?? 8,
              height: req.height,
            })
          : await extractThumbnail(slice.path, {
              ...local,
              width: req.width,
              height: req.height,
              fit: req.fit,
            });
      const info = await deps.blobs.put(key, bytes, {
        contentType: imageFormat(req.format === 'gif' ? 'gif' : 'jpeg').mime,
      });
      await deps.renditions.record({
        assetId: asset.id,
        accountId: asset.accountId,
        kind: 'thumbnail',
        name,
        blobKey: key,
        size: info.size,
        contentType: imageFormat(req.format === 'gif' ? 'gif' : 'jpeg').mime,
      });
      return info;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** At processing time: renders the default thumbnail (at thumbnailTimestampPct) ahead of the first view. */
export async function warmDefaultThumbnail(deps: Deps, asset: Asset): Promise<void> {
  await streamThumbnail(deps, asset, { format: 'jpg' });
}

async function sliceOfTopRendition(
  blobs: BlobStore,
  asset: Asset,
  at: number,
  span: number,
  dir: string,
): Promise<{ path: string; start: number }> {
  const rep = Math.max(0, streamFacts(asset).rungs.length - 1);
  const duration = asset.durationSeconds ?? 0;
  const segments = Math.max(1, Math.ceil(duration / SEGMENT_SECONDS - 1e-6));
  const first = Math.min(segments, Math.floor(at / SEGMENT_SECONDS) + 1);
  const last = Math.min(segments, Math.floor((at + span) / SEGMENT_SECONDS) + 1);
  const prefix = `${streamPrefix(asset)}/manifest`;
  const path = join(dir, 'slice.mp4');
  const keys = [`${prefix}/init-${rep}.m4s`];
  for (let n = first; n <= last; n++) keys.push(`${prefix}/chunk-${rep}-${String(n).padStart(5, '0')}.m4s`);
  const out = createWriteStream(path);
  for (const key of keys) {
    if (!(await blobs.stat(key))) continue; // the last chunk may be shorter than the arithmetic says
    await pipeline(await blobs.get(key), out, { end: false });
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { path, start: (first - 1) * SEGMENT_SECONDS };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
