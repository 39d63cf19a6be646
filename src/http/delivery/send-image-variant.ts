import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Asset } from '../../core/assets/asset.js';
import type { TransformPlan } from '../../core/images/transform-plan.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { sendTransformResult } from './send-transform-result.js';

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
  return sendTransformResult(runtime, request, reply, result, asset.updatedAt, { ...options, asset });
}
