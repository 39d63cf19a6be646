import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { StreamErrorCode } from './video-facts.js';
import { updateFacts } from './videos.js';

/** Puts a video in `error` with Cloudflare's reason code and text, then tells `onFinished` (webhooks). */
export async function failVideo(
  deps: { assets: AssetRepository; onFinished?: (asset: Asset) => Promise<void> },
  asset: Asset,
  code: StreamErrorCode,
  text: string,
): Promise<Asset> {
  const fresh = (await deps.assets.find(asset.accountId, asset.id)) ?? asset;
  const errored = await updateFacts(
    deps.assets,
    fresh,
    { errorReasonCode: code, errorReasonText: text, pctComplete: 0 },
    { status: 'error' },
  );
  await deps.onFinished?.(errored);
  return errored;
}
