import type { Asset } from '../../core/assets/asset.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

const ASSET_TABLES = ['assets'] as const;

/**
 * An asset by id, in any account, for delivery: through the resolution cache (a write to `assets`
 * on this node, or the TTL, makes the entry stale). Visibility and expiry are the caller's to check.
 */
export function findAsset(runtime: KilnRuntime, id: string): Promise<Asset | null> {
  return runtime.resolutions.get(`asset ${id}`, ASSET_TABLES, () => runtime.assets.findAnyAccount(id));
}
