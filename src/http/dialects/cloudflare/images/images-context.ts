import type { Account } from '../../../../core/accounts/account.js';
import { CfImageIds } from '../../../../core/cloudflare-images/image-ids.js';
import { CfImageKeys } from '../../../../core/cloudflare-images/image-signing-keys.js';
import { CfImageVariants } from '../../../../core/cloudflare-images/image-variants.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';

/** What every Images route needs: the runtime and the dialect's own tables. */
export interface CfImagesContext {
  runtime: KilnRuntime;
  ids: CfImageIds;
  variants: CfImageVariants;
  keys: CfImageKeys;
}

export function imagesContext(runtime: KilnRuntime): CfImagesContext {
  return {
    runtime,
    ids: new CfImageIds(runtime.db),
    variants: new CfImageVariants(runtime.db, runtime.accounts),
    keys: new CfImageKeys(runtime.db, runtime.box),
  };
}

/** Cloudflare's largest image upload (§5.1), capped by Kiln's own upload limit. */
export const CLOUDFLARE_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_IMAGES_ALLOWED = 100_000;

export function maxImageBytes(runtime: KilnRuntime): number {
  return Math.min(runtime.config.maxUploadBytes, CLOUDFLARE_MAX_IMAGE_BYTES);
}

export function imagesAllowed(account: Account): number {
  const n = account.settings.imagesAllowed;
  return typeof n === 'number' && n >= 0 ? n : DEFAULT_IMAGES_ALLOWED;
}

/**
 * The account's image allowance (stats.count.allowed), checked before an upload or a draft is
 * accepted. Two uploads racing for the last slot may both pass: the allowance is a quota, not a lock.
 */
export async function assertAllowance(ctx: CfImagesContext, account: Account): Promise<void> {
  const allowed = imagesAllowed(account);
  const current = await ctx.ids.count(account.id);
  if (current >= allowed) {
    throw new KilnError('limit_exceeded', `Image allowance reached: ${current} of ${allowed} images stored`, {
      status: 403,
      details: { cloudflareCode: 5453 },
    });
  }
}
