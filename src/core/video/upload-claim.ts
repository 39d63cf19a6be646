import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { KilnError } from '../errors/kiln-error.js';

/**
 * Claims a direct creator upload URL for one request, atomically, with the one compare-and-set of
 * upload sessions: the row stays `pendingupload` (Cloudflare's state while the bytes arrive) and
 * its facts turn `uploadUsed`, only if no other request did so first; the loser gets 409.
 */
export async function claimUpload(assets: AssetRepository, asset: Asset): Promise<Asset> {
  const claimed = await assets.transition(asset.id, {
    from: 'pendingupload',
    to: 'pendingupload',
    extra: (facts) => (facts.uploadUsed === true ? null : { ...facts, uploadUsed: true }),
  });
  if (!claimed) throw used();
  return claimed;
}

function used(): KilnError {
  return new KilnError('conflict', 'This upload URL has already been used', {
    details: { reason: 'upload_url_used' },
  });
}
