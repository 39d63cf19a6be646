import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { chainPlans } from '../../../../core/images/chain-plans.js';
import { parseCloudflareOptions } from '../../../../core/images/parse-cloudflare-options.js';
import { hasUploadcareCoreOp, parseUploadcareOps } from '../../../../core/images/parse-uploadcare-ops.js';
import type { TransformPlan } from '../../../../core/images/transform-plan.js';
import { VARIANT_KIND } from '../../../../core/images/variant-name.js';
import { GETSTREAM_LINK_SCHEME, verifySignedPath } from '../../../../core/signing/signed-link.js';
import { findAsset } from '../../../delivery/find-asset.js';
import { sendImageVariant } from '../../../delivery/send-image-variant.js';
import { sendRemoteImage } from '../../../delivery/send-remote-image.js';
import { sendTransformResult } from '../../../delivery/send-transform-result.js';
import { installErrorHandler } from '../../../errors/error-handler.js';
import { CDN_PREFIX, parseCdnUrl } from '../../getstream/cdn-links.js';
import { isVisible } from '../../uploadcare/uc-base-routes.js';
import { renderDeliveryError } from './delivery-errors.js';
import { DELIVERY_PREFIX } from './image-view.js';
import type { CfImagesContext } from './images-context.js';
import { deliveryError, resolveDelivery } from './resolve-delivery.js';
import { streamThumbnailSource } from './stream-thumbnail-source.js';

const PREFIX = '/cdn-cgi/image/';

/**
 * `/cdn-cgi/image/<options>/<source>` (§6). The source must be an image this Kiln serves itself,
 * as a path or as an absolute URL on its public origin: an Images delivery URL (its access rules
 * and signature apply, the query of the request being the source's), a signed Kiln file link, a
 * signed getstream CDN link (of an image or of one of its processed variants), a Stream thumbnail
 * (the video's access rules apply), or an Uploadcare CDN path (with or without its own -/op/ chain). Other origins only when they are among
 * the allowed image sources (KILN_IMAGE_SOURCES): Kiln is not an open proxy. When the source names a variant, the
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
    const own = parseCloudflareOptions(options, { defaultFormat: 'original' }); // refused before any lookup
    const remote = remoteUrl(ctx, raw.slice(slash));
    if (remote) {
      return sendRemoteImage(ctx.runtime, request, reply, remote, own, {
        cacheControl: 'public, max-age=3600',
      }).catch((err) => {
        throw cloudflareSourceError(err);
      });
    }
    const source = sameOriginPath(ctx, raw.slice(slash));
    const thumbnail = await streamThumbnailSource(ctx.runtime, source, request);
    if (thumbnail) {
      const result = await ctx.runtime.images.transform({
        sourceKey: thumbnail.key,
        sourceEtag: thumbnail.version,
        store: ctx.runtime.blobs,
        plan: own,
        accept: request.headers.accept,
      });
      return sendTransformResult(ctx.runtime, request, reply, result, thumbnail.lastModified, {
        cacheControl: 'public, max-age=3600',
      });
    }
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

/**
 * An absolute source URL on another origin: a remote source (KILN_IMAGE_SOURCES decides; without
 * it, or outside it, the answer is 9401 as before: Kiln is not an open proxy).
 */
function remoteUrl(ctx: CfImagesContext, source: string): string | undefined {
  const absolute = /^\/(https?:)\/+(.*)$/i.exec(source);
  if (!absolute) return undefined;
  let url: URL;
  try {
    url = new URL(`${absolute[1]}//${absolute[2]}`);
  } catch {
    throw deliveryError(400, 9401, 'The source URL is malformed');
  }
  return url.origin === new URL(ctx.runtime.config.publicUrl).origin ? undefined : url.toString();
}

/** Remote source failures with Cloudflare's codes (never a 500). */
function cloudflareSourceError(err: unknown): unknown {
  if (!(err instanceof KilnError)) return err;
  if (err.details.sourceReason === 'not_allowed')
    return deliveryError(
      403,
      9401,
      'Only images served by this Kiln or an allowed source can be transformed here',
    );
  if (err.details.sourceReason === 'not_image')
    return new KilnError('unsupported_media_type', err.message, {
      status: 415,
      details: { cloudflareCode: 9412 },
    });
  const reason = err.details.fetchReason;
  if (reason === 'too_large')
    return new KilnError('payload_too_large', err.message, {
      status: 413,
      details: { cloudflareCode: 9402 },
    });
  if (reason === 'http_status') return deliveryError(404, 9404, 'The origin answered with an error');
  if (reason)
    return new KilnError('fetch_failed', err.message, { status: 502, details: { cloudflareCode: 9407 } });
  return err;
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
  if (source.startsWith(`${CDN_PREFIX}/`)) {
    // A getstream CDN link of this zone: its signature and expiry are checked first, as on that CDN.
    verifySignedPath(source, ctx.runtime.linkKey, undefined, GETSTREAM_LINK_SCHEME);
    const ref = parseCdnUrl(`http://cdn.invalid${source}`);
    const asset = ref ? await ctx.runtime.assets.findAnyAccount(ref.assetId) : null;
    if (!ref || !asset?.blobKey || asset.accountId !== ref.accountId || asset.source !== 'getstream')
      throw deliveryError(404, 9404, 'The source image was not found');
    if (asset.kind !== 'image') throw deliveryError(415, 9412, 'The source is not an image');
    if (!ref.variant) return { asset, cacheControl: 'public, max-age=3600' };
    const variant = await ctx.runtime.renditions.find(asset.id, VARIANT_KIND, ref.variant);
    if (!variant?.extra.plan) throw deliveryError(404, 9404, 'The source image was not found');
    return { asset, cacheControl: 'public, max-age=3600', variantPlan: variant.extra.plan as TransformPlan };
  }
  const uc = UPLOADCARE_CDN_PATH.exec(source.split('?', 1)[0]!);
  if (uc) {
    // An Uploadcare CDN path of this zone, with or without its own -/op/ chain (the public CDN's rules).
    const asset = await ctx.runtime.assets.findAnyAccount(uc[1]!.toLowerCase());
    if (!asset?.blobKey || asset.source !== 'uploadcare' || !isVisible(asset))
      throw deliveryError(404, 9404, 'The source image was not found');
    if (asset.kind !== 'image') throw deliveryError(415, 9412, 'The source is not an image');
    const rest = uc[2] ?? '';
    const chain = rest.slice(0, rest.lastIndexOf('/') + 1);
    if (chain && !chain.startsWith('-/')) throw deliveryError(404, 9404, 'The source image was not found');
    const processes = chain !== '' && hasUploadcareCoreOp(chain);
    return {
      asset,
      cacheControl: 'public, max-age=3600',
      ...(processes && { variantPlan: parseUploadcareOps(chain) }),
    };
  }
  throw deliveryError(404, 9404, 'The source image was not found');
}

/** `/<uuid>/[-/op/args/…][filename]`: an Uploadcare CDN URL served by this Kiln. */
const UPLOADCARE_CDN_PATH =
  /^\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/(.*)$/;
