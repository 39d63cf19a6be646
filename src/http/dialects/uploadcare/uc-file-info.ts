import type { Asset } from '../../../core/assets/asset.js';
import type { ImageFacts, MediaFacts } from '../../../core/media/describe-media.js';
import { sanitizeFilename } from './uc-upload-options.js';

/** Images above this are delivered as files, not processed (reference §10.2). */
const MAX_IMAGE_PIXELS = 75_000_000;
const RASTER = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff', 'bmp']);

/** The file info object of reference §3, in the wire's snake_case. */
export function fileInfo(asset: Asset): Record<string, unknown> {
  const facts = (asset.extra.media ?? {}) as MediaFacts;
  const original = asset.originalName ?? 'original';
  const imageInfo = facts.image ? imageInfoOf(facts.image) : null;
  const mime = asset.contentType;
  const [type, subtype] = mime.split('/') as [string, string | undefined];
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
  const contentInfo = {
    mime: { mime, type, subtype: subtype ?? '' },
    ...(imageInfo ? { image: imageInfo } : {}),
    ...(av
      ? {
          video: {
            duration: Math.round(av.durationSeconds * 1000),
            format: av.formatName.split(',')[0],
            bitrate: kbps(av.bitrate),
            audio: av.audio
              ? [{ bitrate: null, codec: av.audio.codec, sample_rate: null, channels: null }]
              : [],
            video: av.video
              ? [
                  {
                    height: av.video.height,
                    width: av.video.width,
                    frame_rate: av.video.fps,
                    bitrate: kbps(av.bitrate),
                    codec: av.video.codec,
                  },
                ]
              : [],
          },
        }
      : {}),
  };
  const ready = asset.status === 'ready';
  return {
    uuid: asset.id,
    file_id: asset.id,
    size: asset.size,
    total: asset.size,
    done: ready ? asset.size : 0,
    original_filename: original,
    filename: sanitizeFilename(original) || 'original',
    mime_type: mime,
    is_image:
      imageInfo !== null &&
      RASTER.has(facts.image!.format) &&
      facts.image!.width * facts.image!.height <= MAX_IMAGE_PIXELS,
    is_stored: asset.stored,
    is_ready: ready,
    datetime_uploaded: asset.createdAt,
    image_info: imageInfo,
    video_info: videoInfo,
    content_info: contentInfo,
    metadata: asset.metadata,
    tags: Array.isArray(asset.extra.tags) ? asset.extra.tags : [],
    s3_bucket: null,
  };
}

function imageInfoOf(image: ImageFacts) {
  const grey = image.space === 'b-w' || image.space === 'grey16';
  const base = image.space === 'cmyk' ? 'CMYK' : grey ? 'L' : 'RGB';
  return {
    color_mode: image.hasAlpha && base !== 'CMYK' ? `${base}A` : base,
    orientation: image.orientation,
    format: image.format === 'heif' ? 'HEIC' : image.format.toUpperCase(),
    height: image.height,
    width: image.width,
    geo_location: null,
    datetime_original: null,
    dpi: image.density ? [image.density, image.density] : null,
    sequence: image.pages > 1,
  };
}

function kbps(bitsPerSecond: number): number | null {
  return bitsPerSecond > 0 ? Math.round(bitsPerSecond / 1000) : null;
}
