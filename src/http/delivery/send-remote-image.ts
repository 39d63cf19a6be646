import type { FastifyReply, FastifyRequest } from 'fastify';
import { SourceAllowList } from '../../core/images/remote-sources/source-allow-list.js';
import type { TransformPlan } from '../../core/images/transform-plan.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { sendTransformResult } from './send-transform-result.js';

export interface SendRemoteOptions {
  cacheControl: string;
  headers?: Record<string, string>;
  /** Content-Disposition from the result's format (imgproxy's filename rule). */
  disposition?: (format: string) => string;
  /** The account's own narrowing of KILN_IMAGE_SOURCES (AccountSettings.imageSources). */
  accountSources?: string[];
}

/**
 * Serves a remote image (KILN_IMAGE_SOURCES) through a plan, for every dialect: the source comes
 * from the remote source cache (allow-list, safe fetch, validators), the result is a variant keyed
 * by the source's version. Errors are KilnErrors the dialect renders (fetchReason, sourceReason).
 */
export async function sendRemoteImage(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  url: string,
  plan: TransformPlan,
  options: SendRemoteOptions,
) {
  const narrowed = options.accountSources ? new SourceAllowList(options.accountSources.join(',')) : undefined;
  const source = await runtime.remoteSources.get(url, narrowed);
  const result = await runtime.images.transform({
    sourceKey: source.blobKey,
    sourceEtag: source.version,
    store: runtime.blobs,
    plan,
    accept: request.headers.accept,
  });
  return sendTransformResult(runtime, request, reply, result, source.fetchedAt, options);
}
