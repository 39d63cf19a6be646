import type { BlobStore } from '../../core/blobs/blob-store.js';
import type { DeliverableBlob } from './send-blob.js';

/**
 * A derived file (segment, playlist, caption, download) as the delivery primitive serves it, or null
 * when it is not stored. Such files are rewritten, never edited, so size and mtime make the ETag.
 */
export async function storedBlob(
  blobs: BlobStore,
  key: string,
  contentType: string,
): Promise<DeliverableBlob | null> {
  const info = await blobs.stat(key);
  if (!info) return null;
  return {
    key,
    size: info.size,
    lastModified: info.lastModified,
    etag: `"${info.size.toString(36)}-${info.lastModified.getTime().toString(36)}"`,
    contentType,
  };
}
