import type { Asset } from '../assets/asset.js';
import type { ImageFacts, MediaFacts } from '../media/describe-media.js';

/** Images above this are delivered as files, not processed (reference §10.2). */
const MAX_IMAGE_PIXELS = 75_000_000;
const RASTER = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff', 'bmp']);

/** What the probe found, as the asset row keeps it. */
export function mediaFacts(asset: Asset): MediaFacts {
  return (asset.extra.media ?? {}) as MediaFacts;
}

/** Uploadcare's `is_image`: a raster image small enough to be processed. */
export function isImage(asset: Asset): boolean {
  const image = mediaFacts(asset).image;
  return !!image && RASTER.has(image.format) && image.width * image.height <= MAX_IMAGE_PIXELS;
}

/** `content_info` of both APIs: mime, and image or video facts when the file has them. */
export function contentInfo(asset: Asset): Record<string, unknown> {
  const facts = mediaFacts(asset);
  const mime = asset.contentType;
  const [type, subtype] = mime.split('/') as [string, string | undefined];
  const av = facts.av;
  return {
    mime: { mime, type, subtype: subtype ?? '' },
    ...(facts.image ? { image: imageInfo(facts.image) } : {}),
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
}

export function imageInfo(image: ImageFacts) {
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

export function kbps(bitsPerSecond: number): number | null {
  return bitsPerSecond > 0 ? Math.round(bitsPerSecond / 1000) : null;
}

/** A `type/subtype` a client may declare (no parameters, nothing odd). */
const DECLARABLE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i;

/**
 * The content type a client declared for an upload, kept in `extra.declaredType` when it said
 * more than `application/octet-stream`, or nothing.
 */
export function declaredTypeExtra(declared: string | undefined): { declaredType?: string } {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  return type && type !== 'application/octet-stream' && DECLARABLE.test(type) ? { declaredType: type } : {};
}

/**
 * Uploadcare's `mime_type`: the type the client declared, as on the hosted service; Kiln's own
 * detection stays in `content_info.mime` and is what delivery uses (its safety rules unchanged).
 */
export function reportedMimeType(asset: Asset): string {
  return typeof asset.extra.declaredType === 'string' ? asset.extra.declaredType : asset.contentType;
}
