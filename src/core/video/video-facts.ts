import { randomBytes } from 'node:crypto';
import { type Asset, assetPrefix } from '../assets/asset.js';
import type { WatermarkView } from './watermark-view.js';

/** The `source` of assets created through the Cloudflare Stream dialect. */
export const STREAM_SOURCE = 'cloudflare-stream';

/** Cloudflare Stream's status.state values; the asset's `status` holds them directly. */
export type StreamState =
  | 'pendingupload'
  | 'downloading'
  | 'queued'
  | 'inprogress'
  | 'ready'
  | 'error'
  | 'live-inprogress';

export type StreamErrorCode =
  | 'ERR_NON_VIDEO'
  | 'ERR_DURATION_EXCEED_CONSTRAINT'
  | 'ERR_FETCH_ORIGIN_ERROR'
  | 'ERR_MALFORMED_VIDEO'
  | 'ERR_DURATION_TOO_SHORT'
  | 'ERR_UNKNOWN';

/** One rendition of the ladder as stored (HLS/DASH representation index = position). */
export interface StoredRung {
  name: string;
  width: number;
  height: number;
  bitrate: number;
}

/**
 * The Stream facts of a video asset, kept in `asset.extra` (the asset row holds size, duration,
 * display size, meta = metadata, status = state, expiresAt = upload expiry or scheduled deletion).
 */
export interface StreamFacts {
  creator: string | null;
  thumbnailTimestampPct: number;
  requireSignedURLs: boolean;
  allowedOrigins: string[];
  maxDurationSeconds: number | null;
  uploadExpiry: string | null;
  scheduledDeletion: string | null;
  uploaded: string | null;
  readyToStreamAt: string | null;
  pctComplete: number;
  errorReasonCode: StreamErrorCode | null;
  errorReasonText: string | null;
  watermarkUid: string | null;
  /** The watermark profile as it was when the video named it (profiles are immutable). */
  watermark: WatermarkView | null;
  /** The live input a recording came from. */
  liveInput: string | null;
  /** The ladder that was packaged, lowest first; empty until ready. */
  rungs: StoredRung[];
  hasAudio: boolean;
  /** A direct creator upload URL that was used (or a TUS upload that completed) cannot be used again. */
  uploadUsed: boolean;
  /** Direct creator uploads take a basic POST; TUS creates take PATCHes. */
  uploadKind: 'direct' | 'tus' | 'api' | 'copy';
  /** TUS: the declared Upload-Length. */
  uploadLength: number | null;
  /** TUS: the Upload-Metadata the client sent (HEAD returns it). */
  uploadMetadata: Record<string, string | null> | null;
  /**
   * TUS: the upload URL is a capability (created with `direct_user=true`) and takes HEAD/PATCH/DELETE
   * without credentials; otherwise they need the API token the upload was created with.
   */
  uploadCapability: boolean;
  /** Copy from URL: where the bytes come from. */
  copyUrl: string | null;
}

export const DEFAULT_FACTS: StreamFacts = {
  creator: null,
  thumbnailTimestampPct: 0,
  requireSignedURLs: false,
  allowedOrigins: [],
  maxDurationSeconds: null,
  uploadExpiry: null,
  scheduledDeletion: null,
  uploaded: null,
  readyToStreamAt: null,
  pctComplete: 0,
  errorReasonCode: null,
  errorReasonText: null,
  watermarkUid: null,
  watermark: null,
  liveInput: null,
  rungs: [],
  hasAudio: false,
  uploadUsed: false,
  uploadKind: 'api',
  uploadLength: null,
  uploadMetadata: null,
  uploadCapability: false,
  copyUrl: null,
};

export function streamFacts(asset: Asset): StreamFacts {
  return { ...DEFAULT_FACTS, ...(asset.extra as Partial<StreamFacts>) };
}

/** Stream UIDs: 32 lowercase hex characters. */
export function newStreamUid(): string {
  return randomBytes(16).toString('hex');
}

export function isStreamUid(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

/** Where a video's packaged stream lives: `<asset prefix>/stream/manifest/...`. */
export function streamPrefix(asset: Pick<Asset, 'accountId' | 'id'>): string {
  return `${assetPrefix(asset.accountId, asset.id)}/stream`;
}
