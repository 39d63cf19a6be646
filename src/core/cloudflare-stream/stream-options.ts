import { KilnError } from '../errors/kiln-error.js';
import type { VideoSettings } from '../video/video-settings.js';

export type { VideoSettings } from '../video/video-settings.js';

/**
 * Validation of the video settings every Stream entry point shares (direct_upload, copy, edit,
 * TUS Upload-Metadata), with the bounds of the reference (§5.2) and the direct-upload page.
 * Errors are 400 with Cloudflare code 10005 and a message naming the field.
 */

export const MAX_DURATION_LIMIT = 21_600;
export const MIN_EXPIRY_MS = 2 * 60_000;
export const MAX_EXPIRY_MS = 6 * 3600_000;
export const DEFAULT_EXPIRY_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

export function badRequest(message: string): KilnError {
  return new KilnError('invalid_input', message);
}

/** Reads the shared settings from a JSON body; unknown fields are ignored like Cloudflare does. */
export function parseVideoSettings(body: Record<string, unknown>, now = Date.now()): VideoSettings {
  const out: VideoSettings = {};
  if (body.allowedOrigins !== undefined) out.allowedOrigins = parseOrigins(body.allowedOrigins);
  if (body.creator !== undefined) out.creator = parseCreator(body.creator);
  if (body.meta !== undefined) {
    if (body.meta === null || typeof body.meta !== 'object' || Array.isArray(body.meta)) {
      throw badRequest('meta must be a JSON object');
    }
    out.meta = body.meta as Record<string, unknown>;
  }
  if (body.requireSignedURLs !== undefined) {
    if (typeof body.requireSignedURLs !== 'boolean') throw badRequest('requireSignedURLs must be a boolean');
    out.requireSignedURLs = body.requireSignedURLs;
  }
  if (body.scheduledDeletion !== undefined)
    out.scheduledDeletion = parseScheduledDeletion(body.scheduledDeletion, now);
  if (body.thumbnailTimestampPct !== undefined)
    out.thumbnailTimestampPct = parsePct(body.thumbnailTimestampPct);
  if (body.maxDurationSeconds !== undefined)
    out.maxDurationSeconds = parseMaxDuration(body.maxDurationSeconds);
  if (body.watermark !== undefined && body.watermark !== null) {
    const uid = (body.watermark as { uid?: unknown }).uid;
    if (typeof uid !== 'string') throw badRequest('watermark must be an object with a uid');
    // Whether the account has this profile is checked by the caller (resolveWatermark).
    out.watermarkUid = uid;
  }
  return out;
}

export function parseOrigins(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badRequest('allowedOrigins must be an array of strings');
  }
  const origins = (value as string[]).map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
  for (const o of origins) {
    if (!/^(\*|(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$/.test(o))
      throw badRequest(`allowedOrigins: invalid origin "${o}"`);
  }
  return origins;
}

export function parseCreator(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > 64)
    throw badRequest('creator must be a string of at most 64 characters');
  return value;
}

/** The creator of a new video: the Upload-Creator header when sent (it wins, as on Cloudflare), else the body's. */
export function creatorOf(
  headers: Record<string, string | string[] | undefined>,
  settings: VideoSettings,
): string | null | undefined {
  const header = headers['upload-creator'];
  return typeof header === 'string' ? parseCreator(header) : settings.creator;
}

export function parsePct(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw badRequest('thumbnailTimestampPct must be a number from 0 to 1');
  }
  return n;
}

export function parseMaxDuration(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DURATION_LIMIT) {
    throw badRequest(`maxDurationSeconds must be an integer from 1 to ${MAX_DURATION_LIMIT}`);
  }
  return n;
}

/** RFC 3339 with a time zone (Z or an offset), as the reference requires. */
export function parseRfc3339(value: unknown, field: string): number {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw badRequest(`${field} must be an RFC 3339 timestamp (e.g. 2030-01-01T00:00:00Z)`);
  }
  return Date.parse(value);
}

/** Upload URL expiry: default 30 minutes; otherwise at least 2 minutes and at most 6 hours ahead. */
export function parseExpiry(value: unknown, now = Date.now()): string {
  if (value === undefined || value === null || value === '')
    return new Date(now + DEFAULT_EXPIRY_MS).toISOString();
  const at = parseRfc3339(value, 'expiry');
  if (at < now + MIN_EXPIRY_MS) throw badRequest('expiry must be at least 2 minutes in the future');
  if (at > now + MAX_EXPIRY_MS) throw badRequest('expiry must be at most 6 hours in the future');
  return new Date(at).toISOString();
}

export function parseScheduledDeletion(value: unknown, now = Date.now()): string | null {
  if (value === null) return null;
  const at = parseRfc3339(value, 'scheduledDeletion');
  if (at < now + 30 * DAY_MS - 60_000)
    throw badRequest('scheduledDeletion must be at least 30 days in the future');
  if (at > now + 1096 * DAY_MS) throw badRequest('scheduledDeletion must be at most 1096 days in the future');
  return new Date(at).toISOString();
}
