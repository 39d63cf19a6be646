import type { Asset } from '../../core/assets/asset.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { fileUrl } from '../delivery/file-links.js';

/** The JSON shape of an asset in Kiln's native API. */
export function assetView(runtime: KilnRuntime, asset: Asset) {
  return {
    id: asset.id,
    kind: asset.kind,
    status: asset.status,
    size: asset.size,
    contentType: asset.contentType,
    sha256: asset.sha256,
    name: asset.originalName,
    metadata: asset.metadata,
    stored: asset.stored,
    expiresAt: asset.expiresAt,
    width: asset.width,
    height: asset.height,
    durationSeconds: asset.durationSeconds,
    source: asset.source,
    createdAt: asset.createdAt,
    updatedAt: asset.updatedAt,
    url: asset.blobKey ? fileUrl(runtime, asset) : null,
  };
}
