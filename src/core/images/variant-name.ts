import { createHash } from 'node:crypto';
import { canonicalKey, type TransformPlan } from './transform-plan.js';

/** Image variants are renditions of their asset of this kind, whatever grammar asked for them. */
export const VARIANT_KIND = 'variant';

/**
 * The one name of a variant across grammars: 32 hex of sha256(canonical plan, format). It is the
 * rendition name and the part of getstream links that names a processed image.
 */
export function variantName(plan: TransformPlan, format: string): string {
  return createHash('sha256')
    .update(`${canonicalKey(plan)}\n${format}`)
    .digest('hex')
    .slice(0, 32);
}
