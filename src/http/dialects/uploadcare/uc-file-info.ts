import type { Asset } from '../../../core/assets/asset.js';
import {
  contentInfo,
  imageInfo,
  isImage,
  kbps,
  mediaFacts,
  reportedMimeType,
} from '../../../core/uploadcare/content-info.js';
import { sanitizeFilename } from './uc-upload-options.js';

/** The file info object of reference §3, in the wire's snake_case. */
export function fileInfo(asset: Asset): Record<string, unknown> {
  const facts = mediaFacts(asset);
  const original = asset.originalName ?? 'original';
  const av = facts.av;
  const videoInfo = av?.video
    ? {
        duration: Math.round(av.durationSeconds * 1000),
        format: av.formatName.split(',')[0],
        bitrate: kbps(av.bitrate),
        audio: av.audio ? { bitrate: null, codec: av.audio.codec, sample_rate: null, channels: null } : null,
        video: {
          height: av.video.height,
          width: av.video.width,
          frame_rate: av.video.fps,
          bitrate: kbps(av.bitrate),
          codec: av.video.codec,
        },
      }
    : null;
  const ready = asset.status === 'ready';
  return {
    uuid: asset.id,
    file_id: asset.id,
    size: asset.size,
    total: asset.size,
    done: ready ? asset.size : 0,
    original_filename: original,
    filename: sanitizeFilename(original) || 'original',
    mime_type: reportedMimeType(asset),
    is_image: isImage(asset),
    is_stored: asset.stored,
    is_ready: ready,
    datetime_uploaded: asset.createdAt,
    image_info: facts.image ? imageInfo(facts.image) : null,
    video_info: videoInfo,
    content_info: contentInfo(asset),
    metadata: asset.metadata,
    tags: Array.isArray(asset.extra.tags) ? asset.extra.tags : [],
    s3_bucket: null,
  };
}
