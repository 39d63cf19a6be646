/**
 * What a video is created or edited with, whichever dialect parsed it (Cloudflare Stream's parser
 * is core/cloudflare-stream/stream-options.ts).
 */
export interface VideoSettings {
  allowedOrigins?: string[];
  creator?: string | null;
  meta?: Record<string, unknown>;
  requireSignedURLs?: boolean;
  scheduledDeletion?: string | null;
  thumbnailTimestampPct?: number;
  maxDurationSeconds?: number | null;
  watermarkUid?: string | null;
}
