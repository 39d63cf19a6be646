import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { chainPlans } from '../../../../core/images/chain-plans.js';
import { parseCloudflareOptions } from '../../../../core/images/parse-cloudflare-options.js';
import type { TransformPlan } from '../../../../core/images/transform-plan.js';
import { verifySignedPath } from '../../../../core/signing/signed-link.js';
import { findAsset } from '../../../delivery/find-asset.js';
import { sendImageVariant } from '../../../delivery/send-image-variant.js';
import { installErrorHandler } from '../../../errors/error-handler.js';
import { renderDeliveryError } from './delivery-errors.js';
import { DELIVERY_PREFIX } from './image-view.js';
import type { CfImagesContext } from './images-context.js';
import { deliveryError, resolveDelivery } from './resolve-delivery.js';

const PREFIX = '/cdn-cgi/image/';

/**
 * `/cdn-cgi/image/<options>/<source>` (§6). The source must be an image this Kiln serves itself,
 * as a path or as an absolute URL on its public origin: an Images delivery URL (its access rules
 * and signature apply, the query of the request being the source's) or a signed Kiln file link.
 * Remote origins are refused: Kiln is not an open proxy. When the source names a variant, the
 * options transform that variant's result, as on Cloudflare: the two plans are chained and rendered
 * from the original in one pass (no generation loss); without a format option the variant's own
 * format is kept.
 */
export async function cdnCgiRoutes(app: FastifyInstance, { ctx }: { ctx: CfImagesContext }) {
  installErrorHandler(app, renderDeliveryError);
  app.get(`${PREFIX}*`, async (request, reply) => {
    const raw = request.url.slice(PREFIX.length);
    const slash = raw.indexOf('/');
    if (slash <= 0) throw deliveryError(400, 9401, 'Expected /cdn-cgi/image/<options>/<source>');
    const options = decodeOptions(raw.slice(0, slash));
    const source = sameOriginPath(ctx, raw.slice(slash));
    const own = parseCloudflareOptions(options, { defaultFormat: 'original' }); // refused before any lookup
    const { asset, cacheControl, variantPlan } = await resolveSource(ctx, source, request);
    // On a variant the source is the variant's output, so its format is the one kept by default.
    const plan = variantPlan
      ? onVariant(variantPlan, parseCloudflareOptions(options, { defaultFormat: variantPlan.output.format }))
      : own;
    return sendImageVariant(ctx.runtime, request, reply, asset, plan, { cacheControl });
  });
}

/** The variant, then the request's options; metadata the variant stripped cannot come back. */
function onVariant(variant: TransformPlan, own: TransformPlan): TransformPlan {
  const chained = chainPlans(variant, own);
  const metadata =
    METADATA_KEPT.indexOf(variant.metadata) < METADATA_KEPT.indexOf(own.metadata)
      ? variant.metadata
      : own.metadata;
  return { ...chained, metadata };
}

/** From least to most metadata kept. */
const METADATA_KEPT: ReadonlyArray<TransformPlan['metadata']> = ['none', 'copyright', 'keep'];

function decodeOptions(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw deliveryError(400, 9401, 'Malformed percent-encoding in the options');
  }
}

/** `/path?query` of the source; absolute URLs only on Kiln's own public origin. */
function sameOriginPath(ctx: CfImagesContext, source: string): string {
  const absolute = /^\/(https?:)\/+(.*)$/i.exec(source);
  if (!absolute) return source;
  let url: URL;
  try {
    url = new URL(`${absolute[1]}//${absolute[2]}`);
  } catch {
    throw deliveryError(400, 9401, 'The source URL is malformed');
  }
  const own = new URL(ctx.runtime.config.publicUrl);
  if (url.origin !== own.origin)
    throw deliveryError(403, 9401, 'Only images served by this Kiln can be transformed here');
  const prefix = own.pathname.replace(/\/+$/, '');
  const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : url.pathname;
  return path + url.search;
}

async function resolveSource(
  ctx: CfImagesContext,
  source: string,
  request: FastifyRequest,
): Promise<{ asset: Asset; cacheControl: string; variantPlan?: TransformPlan }> {
  if (source.startsWith(`${DELIVERY_PREFIX}/`)) {
    const resolved = await resolveDelivery(ctx, source, request.headers);
    return {
      asset: resolved.image.asset,
      cacheControl: resolved.cacheControl,
      ...(resolved.variant && { variantPlan: resolved.plan }),
    };
  }
  const file = /^\/files\/([^/?]+)\/[^/?]+(?:\?|$)/.exec(source);
  if (file) {
    verifySignedPath(source, ctx.runtime.linkKey);
    const asset = await findAsset(ctx.runtime, decodeURIComponent(file[1]!));
    if (!asset?.blobKey) throw deliveryError(404, 9404, 'The source image was not found');
    if (asset.kind !== 'image') throw deliveryError(415, 9412, 'The source is not an image');
    return { asset, cacheControl: 'public, max-age=3600' };
  }
  throw deliveryError(404, 9404, 'The source image was not found');
}
