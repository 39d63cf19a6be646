import type { Asset } from '../../core/assets/asset.js';
import { errors } from '../../core/errors/kiln-error.js';
import type { DeliverableBlob } from './send-blob.js';

/** An asset's original bytes as the delivery primitive serves them: its sha256 is the strong ETag. */
export function originalBlob(asset: Asset): DeliverableBlob {
  if (!asset.blobKey) throw errors.notFound('File');
  return {
    key: asset.blobKey,
    size: asset.size,
    lastModified: new Date(asset.updatedAt),
    etag: `"${asset.sha256 ?? asset.id}"`,
    contentType: asset.contentType,
  };
}
