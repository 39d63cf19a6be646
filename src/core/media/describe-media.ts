import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { BlobStore } from '../blobs/blob-store.js';
import { probeMedia } from '../video/probe.js';
import { makeScratchDir } from './scratch-space.js';

/** Facts read from the bytes of an uploaded file; stored in an asset's `extra.media`. */
export interface MediaFacts {
  image?: ImageFacts;
  /** Audio/video streams as ffprobe saw them. */
  av?: AvFacts;
}

export interface ImageFacts {
  /** libvips decoder name: jpeg, png, webp, gif, heif, tiff, svg... */
  format: string;
  /** Stored (pre-orientation) dimensions, as the header says. */
  width: number;
  height: number;
  space: string;
  hasAlpha: boolean;
  /** EXIF orientation 1..8, null when absent. */
  orientation: number | null;
  density: number | null;
  pages: number;
}

export interface AvFacts {
  durationSeconds: number;
  formatName: string;
  bitrate: number;
  video?: { width: number; height: number; fps: number; codec: string | null };
  audio?: { codec: string | null };
}

/**
 * Reads image facts (sharp header) or audio/video facts (ffprobe) from a local file. Anything
 * that is neither, or that fails to parse, simply has no facts: a file upload never fails here.
 */
export async function describeMediaFile(path: string, contentType: string): Promise<MediaFacts> {
  if (contentType.startsWith('image/')) {
    try {
      const m = await sharp(path, { limitInputPixels: false, pages: 1 }).metadata();
      if (!m.width || !m.height || !m.format) return {};
      return {
        image: {
          format: m.format,
          width: m.width,
          height: m.height,
          space: m.space ?? 'srgb',
          hasAlpha: m.hasAlpha ?? false,
          orientation: m.orientation ?? null,
          density: m.density ?? null,
          pages: m.pages ?? 1,
        },
      };
    } catch {
      return {};
    }
  }
  if (contentType.startsWith('video/') || contentType.startsWith('audio/')) {
    try {
      const p = await probeMedia(path, { timeoutMs: 30_000 });
      return {
        av: {
          durationSeconds: p.durationSeconds,
          formatName: p.formatName,
          bitrate: p.bitrate,
          video: p.hasVideo
            ? { width: p.width, height: p.height, fps: p.fps, codec: p.videoCodec ?? null }
            : undefined,
          audio: p.hasAudio ? { codec: p.audioCodec ?? null } : undefined,
        },
      };
    } catch {
      return {};
    }
  }
  return {};
}

/** True when describeMediaFile can learn something from a file of this type. */
export function isDescribable(contentType: string): boolean {
  return /^(image|video|audio)\//.test(contentType);
}

/** Runs `fn` on a temporary local copy of a blob (ffprobe and sharp need a path), then removes it. */
export async function withLocalCopy<T>(
  blobs: BlobStore,
  key: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await makeScratchDir('kiln-describe');
  try {
    const path = join(dir, 'blob');
    await pipeline(await blobs.get(key), createWriteStream(path));
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The asset columns the facts fill in. */
export function factsDimensions(facts: MediaFacts): {
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
} {
  if (facts.image) {
    const swap = (facts.image.orientation ?? 1) >= 5;
    return {
      width: swap ? facts.image.height : facts.image.width,
      height: swap ? facts.image.width : facts.image.height,
      durationSeconds: null,
    };
  }
  if (facts.av) {
    return {
      width: facts.av.video?.width ?? null,
      height: facts.av.video?.height ?? null,
      durationSeconds: facts.av.durationSeconds,
    };
  }
  return { width: null, height: null, durationSeconds: null };
}
