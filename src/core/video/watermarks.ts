import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { Db } from '../../adapters/db/database.js';
import type { StreamWatermarksTable } from '../../adapters/db/schema.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import { imageFormat } from '../images/image-formats.js';
import type { OverlayPosition, VideoOverlay } from './overlay-filter.js';
import { newStreamUid } from './video-facts.js';
import type { WatermarkSettings, WatermarkView } from './watermark-view.js';

/** Cloudflare's limit on watermark images: PNG, at most 2 MiB. */
export const MAX_WATERMARK_BYTES = 2 * 1024 * 1024;
export const POSITIONS: readonly OverlayPosition[] = [
  'upperRight',
  'upperLeft',
  'lowerLeft',
  'lowerRight',
  'center',
];

export type { WatermarkSettings, WatermarkView } from './watermark-view.js';

/** Reads name/opacity/padding/scale/position from JSON or multipart fields (numbers as strings). */
export function parseWatermarkSettings(fields: Record<string, unknown>): WatermarkSettings {
  const fraction = (key: string, fallback: number): number => {
    const raw = fields[key];
    if (raw === undefined || raw === null || raw === '') return fallback;
    const n = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1)
      throw errors.invalid(`${key} must be a number from 0 to 1`);
    return n;
  };
  const name = fields.name ?? '';
  if (typeof name !== 'string' || name.length > 255) throw errors.invalid('name must be a string');
  const position = fields.position ?? 'upperRight';
  if (typeof position !== 'string' || !POSITIONS.includes(position as OverlayPosition))
    throw errors.invalid(`position must be one of ${POSITIONS.join(', ')}`);
  return {
    name,
    opacity: fraction('opacity', 1),
    padding: fraction('padding', 0.05),
    scale: fraction('scale', 0.15),
    position: position as OverlayPosition,
  };
}

/**
 * Watermark profiles of Stream accounts: immutable once created (delete and recreate, like
 * Cloudflare). The PNG lives in the blob store under `stream-watermarks/<account>/<uid>.png`.
 */
export class WatermarkProfiles {
  constructor(private readonly deps: { db: Db; blobs: BlobStore }) {}

  async create(
    accountId: string,
    image: Buffer,
    settings: WatermarkSettings,
    downloadedFrom: string | null,
  ): Promise<WatermarkView> {
    if (image.length > MAX_WATERMARK_BYTES) {
      throw new KilnError('payload_too_large', 'The watermark image exceeds the 2 MiB limit');
    }
    const meta = await sharp(image)
      .metadata()
      .catch(() => null);
    if (!meta || meta.format !== 'png' || !meta.width || !meta.height) {
      throw errors.invalid('The watermark image must be a PNG file');
    }
    const id = newStreamUid();
    const key = `stream-watermarks/${accountId}/${id}.png`;
    await this.deps.blobs.put(key, image, { contentType: imageFormat('png').mime });
    const row: StreamWatermarksTable = {
      id,
      account_id: accountId,
      name: settings.name,
      blob_key: key,
      size: image.length,
      width: meta.width,
      height: meta.height,
      downloaded_from: downloadedFrom,
      opacity: settings.opacity,
      padding: settings.padding,
      scale: settings.scale,
      position: settings.position,
      created_at: new Date().toISOString(),
    };
    await this.deps.db.insertInto('stream_watermarks').values(row).execute();
    return watermarkView(row);
  }

  async list(accountId: string): Promise<WatermarkView[]> {
    const rows = await this.deps.db
      .selectFrom('stream_watermarks')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(watermarkView);
  }

  /** The row (with its blob key), or null. */
  async find(accountId: string, uid: string): Promise<StreamWatermarksTable | null> {
    const row = await this.deps.db
      .selectFrom('stream_watermarks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', uid)
      .executeTakeFirst();
    return row ?? null;
  }

  /** 404 in Cloudflare's words when the account has no such profile. */
  async require(accountId: string, uid: string): Promise<StreamWatermarksTable> {
    const row = await this.find(accountId, uid);
    if (!row) {
      throw new KilnError('not_found', `Watermark profile ${uid} not found`);
    }
    return row;
  }

  async delete(accountId: string, uid: string): Promise<void> {
    const row = await this.require(accountId, uid);
    await this.deps.db.deleteFrom('stream_watermarks').where('id', '=', row.id).execute();
    await this.deps.blobs.delete(row.blob_key);
  }
}

export function watermarkView(row: StreamWatermarksTable): WatermarkView {
  return {
    uid: row.id,
    name: row.name,
    size: Number(row.size),
    height: Number(row.height),
    width: Number(row.width),
    created: row.created_at,
    downloadedFrom: row.downloaded_from,
    ...placementOf(row),
  };
}

/** Where and how the profile's image sits on the frame, as stored. */
function placementOf(row: StreamWatermarksTable): Omit<VideoOverlay, 'path'> {
  return {
    opacity: Number(row.opacity),
    padding: Number(row.padding),
    scale: Number(row.scale),
    position: row.position as OverlayPosition,
  };
}

/**
 * The overlay of a video's watermark profile, its PNG copied into `dir` for ffmpeg; null when the
 * profile was deleted since the upload (the video is then processed without it).
 */
export async function loadWatermarkOverlay(
  deps: { db: Db; blobs: BlobStore },
  accountId: string,
  uid: string,
  dir: string,
): Promise<VideoOverlay | null> {
  const row = await new WatermarkProfiles(deps).find(accountId, uid);
  if (!row) return null;
  const path = join(dir, 'watermark.png');
  await pipeline(await deps.blobs.get(row.blob_key), createWriteStream(path));
  return { path, ...placementOf(row) };
}

/** The profile a new video names (`watermark.uid`), as the snapshot it keeps; 404 if unknown. */
export async function resolveWatermark(
  deps: { db: Db; blobs: BlobStore },
  accountId: string,
  uid: string | null | undefined,
): Promise<WatermarkView | null> {
  if (!uid) return null;
  return watermarkView(await new WatermarkProfiles(deps).require(accountId, uid));
}
