import type { BlobStore } from '../core/blobs/blob-store.js';
import type { HotCache } from '../core/delivery/hot-cache.js';

/**
 * Drops from the hot cache every entry of a blob this process deletes (variant eviction, asset
 * purge), so a deleted blob is never answered from memory on this node. Hot-cache keys start with
 * the blob key, so dropping by prefix covers both the variant entries (the bare key) and the
 * original entries (key + validator). The store keeps its own class, so its capabilities are still
 * discovered as before.
 */
export function forgetDeletedBlobs(store: BlobStore, hot: HotCache): void {
  const remove = store.delete.bind(store);
  const removePrefix = store.deletePrefix.bind(store);
  store.delete = async (key) => {
    try {
      await remove(key);
    } finally {
      hot.deletePrefix(key);
    }
  };
  store.deletePrefix = async (prefix) => {
    try {
      await removePrefix(prefix);
    } finally {
      hot.deletePrefix(prefix);
    }
  };
}
