import type { Asset } from '../../../core/assets/asset.js';
import type { Rendition } from '../../../core/assets/rendition-repository.js';
import { errors } from '../../../core/errors/kiln-error.js';
import type { TransformPlan } from '../../../core/images/transform-plan.js';
import { VARIANT_KIND } from '../../../core/images/variant-name.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { parseCdnUrl } from './cdn-links.js';

/**
 * The objects the Stream API acts on: an uploaded asset, or a processed variant of one. A variant is
 * the core's image variant (a rendition of its original, named by the digest of its plan, counted
 * against storage, gone when the original goes), recorded as addressed: its `extra` keeps the plan (a
 * variant can be processed again, and rendered again after eviction) and its owner.
 */
export { VARIANT_KIND };

export interface StreamObject {
  asset: Asset;
  variant: Rendition | null;
  /** user_id of whoever uploaded (or processed) it; null for the server. */
  ownerUserId: string | null;
  /** The plan that produced the variant; null for an original. */
  plan: TransformPlan | null;
}

export interface AssetFacts {
  userId: string | null;
}

/** Resolves a `url` parameter within one account; 404 for anything unknown, deleted or foreign. */
export async function findStreamObject(
  runtime: KilnRuntime,
  accountId: string,
  url: string,
): Promise<StreamObject> {
  const ref = parseCdnUrl(url);
  if (!ref || ref.accountId !== accountId) throw errors.notFound('File');
  const asset = await runtime.assets.find(accountId, ref.assetId);
  if (asset?.source !== 'getstream') throw errors.notFound('File');
  if (!ref.variant) return { asset, variant: null, ownerUserId: ownerOf(asset.extra), plan: null };
  const variant = await runtime.renditions.find(asset.id, VARIANT_KIND, ref.variant);
  if (!variant) throw errors.notFound('File');
  return { asset, variant, ownerUserId: ownerOf(variant.extra), plan: variant.extra.plan as TransformPlan };
}

function ownerOf(extra: Record<string, unknown>): string | null {
  return typeof extra.userId === 'string' ? extra.userId : null;
}
