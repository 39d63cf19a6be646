import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Asset } from '../../core/assets/asset.js';
import type { TransformPlan } from '../../core/images/transform-plan.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { deliveryUsage } from './delivery-usage.js';
import { sendBlob } from './send-blob.js';

export interface SendVariantOptions {
  cacheControl: string;
  /** Extra response headers (e.g. Cloudflare's cf-resized). */
  headers?: Record<string, string>;
  /** Request headers the choice of plan depended on (e.g. User-Agent for device defaults). */
  vary?: string[];
}

/**
 * Serves an image asset through one transform plan: the core variant renderer answers hits, renders
 * misses once, records new variants against the owner's storage and keeps them under the caps; the
 * bytes go out through the delivery primitive (ETag, Range, 304, Vary: Accept when negotiated).
 */
export async function sendImageVariant(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  asset: Asset,
  plan: TransformPlan,
  options: SendVariantOptions,
) {
  const result = await runtime.variants.render(asset, plan, { accept: request.headers.accept });
  if (options.headers) reply.headers(options.headers);
  // Like Cloudflare's cf-cache-status, for operators and load tests: did the variant cache answer?
  reply.header('kiln-cache', result.cached ? 'hit' : 'miss');
  return sendBlob(
    reply,
    request,
    runtime.blobs,
    {
      key: result.key,
      size: result.size,
      lastModified: new Date(asset.updatedAt),
      etag: result.etag,
      contentType: result.contentType,
      data: result.data,
    },
    {
      cacheControl: options.cacheControl,
      usage: deliveryUsage(runtime, asset, 'variant'),
      vary: [...(result.varyAccept ? ['Accept'] : []), ...(options.vary ?? [])],
    },
  );
}
