import type { Account } from '../../../../core/accounts/account.js';
import type { CfImage } from '../../../../core/cloudflare-images/image-ids.js';
import type { VariantDef, VariantOptions } from '../../../../core/cloudflare-images/image-variants.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { DEVICE_HINT_HEADERS, type DeviceClass, deviceClass } from '../../../../core/images/device-class.js';
import { parseCloudflareOptions } from '../../../../core/images/parse-cloudflare-options.js';
import type { TransformPlan } from '../../../../core/images/transform-plan.js';
import { CLOUDFLARE_IMAGES_LINK_SCHEME, verifySignedPath } from '../../../../core/signing/signed-link.js';
import { DELIVERY_PREFIX, imageExtra } from './image-view.js';
import type { CfImagesContext } from './images-context.js';
import { decodePart } from './raw-image-path.js';

/** The original page's default variant, by device (format auto, scale-down, metadata none, q85). */
const DEVICE_DEFAULTS: Record<DeviceClass, { width: number; height: number }> = {
  desktop: { width: 2560, height: 1440 },
  tablet: { width: 1920, height: 1080 },
  mobile: { width: 1080, height: 720 },
};
const PUBLIC_CACHE = 'public, max-age=172800';

export interface ResolvedDelivery {
  account: Account;
  image: CfImage;
  plan: TransformPlan;
  /** The URL named a variant (or flexible options); false when the device default applies. */
  variant: boolean;
  vary: string[];
  cacheControl: string;
}

/** A delivery failure with Cloudflare's 9xxx code (rendered as `Cf-Resized: err=<code>`). */
export function deliveryError(status: number, cloudflareCode: number, message: string): KilnError {
  const code = status === 404 ? 'not_found' : status === 400 ? 'invalid_input' : 'forbidden';
  return new KilnError(code, message, { status, details: { cloudflareCode } });
}

/**
 * Resolves `/cdn/images/<hash>/<id...>/<variant or options>` (raw path, with query) to the image,
 * the transform plan and the caching rules, enforcing signed URLs. The last segment is the variant;
 * if no image has the id before it, the whole rest is the id and the device-based default applies.
 */
export async function resolveDelivery(
  ctx: CfImagesContext,
  rawPathWithQuery: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<ResolvedDelivery> {
  const path = rawPathWithQuery.split('?', 1)[0]!;
  const target = await ctx.runtime.resolutions.get(`cf-images ${path}`, TARGET_TABLES, () =>
    findTarget(ctx, path),
  );
  const { account, image, variantText, variant } = target;
  // Access rules run on every request, on the (possibly cached) facts.
  const private_ = imageExtra(image).requireSignedURLs === true;

  let plan: TransformPlan;
  let vary: string[] = [];
  let publicVariant = false;
  let named = true;
  if (variantText?.includes('=')) {
    if (account.settings.flexibleVariants !== true) {
      throw deliveryError(403, 9429, 'Flexible variants are not enabled for this account');
    }
    if (private_)
      throw deliveryError(403, 9429, 'Flexible variants cannot be used with images that require signed URLs');
    target.plan ??= parseCloudflareOptions(variantText, { defaultFormat: 'auto' });
    plan = target.plan;
  } else if (variant) {
    target.plan ??= variantPlan(variant.options);
    plan = target.plan;
    publicVariant = variant.neverRequireSignedURLs;
  } else if (variantText === undefined || variantText === 'default') {
    plan = devicePlan(deviceClass(headers));
    vary = DEVICE_HINT_HEADERS;
    named = false;
  } else {
    throw deliveryError(404, 9431, `Variant "${variantText}" not found`);
  }

  let cacheControl = PUBLIC_CACHE;
  if (private_ && !publicVariant) {
    const keys = target.keys ?? (await signingKeys(ctx, account.id));
    const { expiresAt } = verifyImageSignature(ctx, rawPathWithQuery, keys);
    const ttl = Math.max(0, Math.min(172_800, expiresAt - Math.floor(Date.now() / 1000)));
    cacheControl = `private, max-age=${ttl}`;
  }
  return { account, image, plan, variant: named, vary, cacheControl };
}

/** The tables a delivery target is read from: a write to any of them makes cached targets stale. */
const TARGET_TABLES = ['accounts', 'assets', 'cf_images', 'cf_image_variants', 'cf_image_keys'] as const;

/** What a delivery path names, from the database: cached by path (see ResolutionCache). */
interface DeliveryTarget {
  account: Account;
  image: CfImage;
  variantText: string | undefined;
  variant: VariantDef | null;
  /** The account's signing keys, read only for an image that requires signed URLs. */
  keys: string[] | null;
  /** The plan of the variant or options, parsed on first use. */
  plan?: TransformPlan;
}

async function findTarget(ctx: CfImagesContext, path: string): Promise<DeliveryTarget> {
  if (!path.startsWith(`${DELIVERY_PREFIX}/`)) throw deliveryError(404, 9431, 'Image not found');
  const [hash, ...rest] = path.slice(DELIVERY_PREFIX.length + 1).split('/');
  const account = hash ? await ctx.runtime.accounts.findByImagesHash(hash) : null;
  if (!account || rest.length === 0 || rest.some((p) => p === ''))
    throw deliveryError(404, 9431, 'Image not found');

  let image: CfImage | null = null;
  let variantText: string | undefined;
  if (rest.length >= 2) {
    image = await ctx.ids.find(account.id, rest.slice(0, -1).map(decodePart).join('/'));
    variantText = decodePart(rest[rest.length - 1]!);
  }
  if (!image) {
    image = await ctx.ids.find(account.id, rest.map(decodePart).join('/'));
    variantText = undefined;
  }
  if (image?.asset.status !== 'ready' || !image.asset.blobKey)
    throw deliveryError(404, 9431, 'Image not found');
  const variant =
    variantText === undefined || variantText.includes('=')
      ? null
      : await ctx.variants.find(account, variantText);
  const keys = imageExtra(image).requireSignedURLs === true ? await signingKeys(ctx, account.id) : null;
  return { account, image, variantText, variant, keys };
}

async function signingKeys(ctx: CfImagesContext, accountId: string): Promise<string[]> {
  return (await ctx.keys.list(accountId)).map((k) => k.value);
}

const DEVICE_PLANS = new Map<DeviceClass, TransformPlan>();

/** The device default's plan (parsed once per device class). */
function devicePlan(device: DeviceClass): TransformPlan {
  let plan = DEVICE_PLANS.get(device);
  if (!plan) {
    plan = variantPlan({ fit: 'scale-down', metadata: 'none', ...DEVICE_DEFAULTS[device] });
    DEVICE_PLANS.set(device, plan);
  }
  return plan;
}

export function variantPlan(o: VariantOptions): TransformPlan {
  return parseCloudflareOptions(`fit=${o.fit},width=${o.width},height=${o.height},metadata=${o.metadata}`, {
    defaultFormat: 'auto',
  });
}

/**
 * Cloudflare's signed URL check (§5.4): the signed text is the URL's pathname and query. A client
 * signs the pathname of the URL it was given, which carries the public URL's own path prefix when
 * Kiln sits below one, so both spellings are accepted.
 */
function verifyImageSignature(ctx: CfImagesContext, pathWithQuery: string, keys: string[]) {
  const prefix = new URL(ctx.runtime.config.publicUrl).pathname.replace(/\/+$/, '');
  try {
    return verifySignedPath(pathWithQuery, keys, undefined, CLOUDFLARE_IMAGES_LINK_SCHEME);
  } catch (err) {
    if (!prefix) throw asAccessDenied(err);
    try {
      return verifySignedPath(prefix + pathWithQuery, keys, undefined, CLOUDFLARE_IMAGES_LINK_SCHEME);
    } catch (err2) {
      throw asAccessDenied(err2);
    }
  }
}

function asAccessDenied(err: unknown): unknown {
  if (err instanceof KilnError && (err.code === 'signature_invalid' || err.code === 'signature_expired')) {
    return new KilnError(err.code, `Access denied: ${err.message}`, {
      status: 403,
      details: { cloudflareCode: 9425 },
    });
  }
  return err;
}
