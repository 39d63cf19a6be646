import type { Asset } from '../../../../core/assets/asset.js';
import { streamFacts } from '../../../../core/video/video-facts.js';

/** The delivery base of a video (Cloudflare's `customer-<CODE>.cloudflarestream.com/<uid>`). */
export function deliveryBase(publicUrl: string, uidOrToken: string): string {
  return `${publicUrl}/stream/${uidOrToken}`;
}

/** Where a direct creator or TUS upload goes (Cloudflare's upload.videodelivery.net). */
export function uploadUrl(publicUrl: string, uid: string): string {
  return `${publicUrl}/stream/upload/${uid}`;
}

/**
 * The `Video` object of reference §4.1, exactly: the SDK's `stream.get` result and the webhook body.
 * Unknown numbers are -1 until processing has measured them.
 */
export function videoView(publicUrl: string, asset: Asset) {
  const f = streamFacts(asset);
  const base = deliveryBase(publicUrl, asset.id);
  const ready = asset.status === 'ready';
  const measured = asset.width !== null && asset.height !== null;
  return {
    uid: asset.id,
    creator: f.creator,
    meta: asset.metadata,
    created: asset.createdAt,
    modified: asset.updatedAt,
    uploaded: f.uploaded,
    uploadExpiry: f.uploadExpiry,
    size: asset.size,
    duration: asset.durationSeconds ?? -1,
    input: { width: measured ? asset.width : -1, height: measured ? asset.height : -1 },
    maxDurationSeconds: f.maxDurationSeconds ?? -1,
    maxSizeBytes: null,
    readyToStream: ready,
    readyToStreamAt: f.readyToStreamAt,
    status: {
      state: asset.status,
      pctComplete: f.pctComplete.toFixed(6),
      errorReasonCode: f.errorReasonCode ?? '',
      errorReasonText: f.errorReasonText ?? '',
      ...(asset.status === 'inprogress' && { step: 'encoding' }),
    },
    thumbnail: `${base}/thumbnails/thumbnail.jpg`,
    thumbnailTimestampPct: f.thumbnailTimestampPct,
    ...(ready && { preview: `${base}/watch` }),
    playback: { hls: `${base}/manifest/video.m3u8`, dash: `${base}/manifest/video.mpd` },
    allowedOrigins: f.allowedOrigins,
    requireSignedURLs: f.requireSignedURLs,
    scheduledDeletion: f.scheduledDeletion,
    watermark: f.watermark,
    ...(f.liveInput && { liveInput: f.liveInput }),
    ...(typeof asset.extra.clip === 'object' &&
      asset.extra.clip !== null && {
        clippedFrom: (asset.extra.clip as { clippedFrom: string }).clippedFrom,
      }),
    publicDetails: { title: null, share_link: null, channel_link: null, logo: null, media_id: null },
  };
}

export type VideoView = ReturnType<typeof videoView>;
