import { fileTypeFromBuffer } from 'file-type';
import mime from 'mime-types';

export interface SniffResult {
  contentType: string;
  /** Without the dot; absent when neither the bytes nor the declared type name one. */
  extension?: string;
}

export type AssetKind = 'image' | 'video' | 'file';

const GENERIC_TYPES = new Set(['application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/**
 * The content type of a body: what its first bytes say (file-type's magic numbers) wins over what
 * the client declared, because a declared type is only a claim. Without a recognisable signature
 * (text formats, CSV, JSON...) the declared type is used, else application/octet-stream.
 * One exception: file-type reports any XML document as application/xml, so a declared `+xml` type
 * (image/svg+xml) is kept as the more precise answer.
 */
export async function sniffContentType(head: Buffer, declared?: string): Promise<SniffResult> {
  const claimed = normaliseDeclared(declared);
  const detected = head.length > 0 ? await fileTypeFromBuffer(head) : undefined;
  if (detected && !(detected.mime === 'application/xml' && claimed?.endsWith('+xml'))) {
    return { contentType: detected.mime, extension: detected.ext };
  }
  if (claimed) {
    const extension = mime.extension(claimed);
    return extension ? { contentType: claimed, extension } : { contentType: claimed };
  }
  return { contentType: 'application/octet-stream' };
}

/** `Image/PNG; charset=x` -> `image/png`; generic or malformed types count as undeclared. */
function normaliseDeclared(declared: string | undefined): string | undefined {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (!type || !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  return GENERIC_TYPES.has(type) ? undefined : type;
}

/**
 * Which pipeline an asset belongs to. Audio is a 'file': the video pipeline (ladder, HLS/DASH
 * packaging, thumbnails) needs a picture track, and none of the dialects we speak treat audio-only
 * uploads as videos (Cloudflare Stream rejects them; Uploadcare and Stream store them as files).
 */
export function assetKindFromContentType(contentType: string): AssetKind {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  return 'file';
}
