import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Asset } from '../../core/assets/asset.js';
import type { TransformResult } from '../../core/images/image-service.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { deliveryUsage } from './delivery-usage.js';
import { sendBlob } from './send-blob.js';

/** Sends a rendered (or cached) variant: validators, ranges, `Vary: Accept` when negotiated. */
export function sendTransformResult(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  result: TransformResult,
  lastModified: string,
  options: {
    cacheControl: string;
    headers?: Record<string, string>;
    disposition?: (format: string) => string;
    /** The asset the result was made from (a local source): its account's usage. */
    asset?: Pick<Asset, 'id' | 'accountId'>;
    /** Request headers the choice of plan depended on (e.g. User-Agent for device defaults). */
    vary?: string[];
  },
) {
  // Like Cloudflare's cf-cache-status, for operators and load tests: did the variant cache answer?
  reply.header('kiln-cache', result.cached ? 'hit' : 'miss');
  // On the reply itself, so a 304 carries them too (Cloudflare's cf-resized, imgproxy's headers).
  if (options.headers) reply.headers(options.headers);
  const extraHeaders: Record<string, string> = {};
  if (options.disposition) extraHeaders['content-disposition'] = options.disposition(result.format);
  return sendBlob(
    reply,
    request,
    runtime.blobs,
    {
      key: result.key,
      size: result.size,
      lastModified: new Date(lastModified),
      etag: result.etag,
      contentType: result.contentType,
      data: result.data,
    },
    {
      cacheControl: options.cacheControl,
      extraHeaders,
      vary: [...(result.varyAccept ? ['Accept'] : []), ...(options.vary ?? [])],
      usage: options.asset ? deliveryUsage(runtime, options.asset, 'variant') : undefined,
    },
  );
}
