import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors/kiln-error.js';
import type { TransformPlan } from '../../../core/images/transform-plan.js';
import { GETSTREAM_LINK_SCHEME, verifySignedPath } from '../../../core/signing/signed-link.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { deliveryUsage } from '../../delivery/delivery-usage.js';
import { findAsset } from '../../delivery/find-asset.js';
import { originalBlob } from '../../delivery/original-blob.js';
import { sendBlob } from '../../delivery/send-blob.js';
import { displayName, parseCdnUrl } from './cdn-links.js';
import { VARIANT_KIND } from './getstream-objects.js';

const CACHE_CONTROL = 'public, max-age=86400';
const RENDITION_TABLES = ['renditions'] as const;

/**
 * The CDN side: a plain GET of a link from an upload or a process call. The signature is checked
 * before anything is looked up (403 for altered, unsigned or expired links, so nothing can be
 * enumerated), then 404 for a deleted object. Files download as attachments, images show inline.
 */
export async function streamCdnRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const deliver = async (request: FastifyRequest, reply: FastifyReply) => {
    verifySignedPath(request.url, runtime.linkKey, undefined, GETSTREAM_LINK_SCHEME);
    const ref = parseCdnUrl(`http://cdn.invalid${request.url}`);
    if (!ref) throw errors.notFound('File');
    const asset = await findAsset(runtime, ref.assetId);
    if (!asset?.blobKey || asset.accountId !== ref.accountId || asset.source !== 'getstream') {
      throw errors.notFound('File');
    }
    const disposition = {
      type: ref.area === 'attachments' ? ('attachment' as const) : ('inline' as const),
      filename: displayName(asset),
    };
    if (ref.variant) {
      const name = ref.variant;
      const variant = await runtime.resolutions.get(`getstream ${asset.id} ${name}`, RENDITION_TABLES, () =>
        runtime.renditions.find(asset.id, VARIANT_KIND, name),
      );
      if (!variant) throw errors.notFound('File');
      let { blobKey: key, size, contentType } = variant;
      let data: Buffer | undefined;
      // Evicted (bytes dropped, row kept): render it again from its plan, under the same name.
      if (size === 0) {
        const plan = variant.extra.plan as TransformPlan;
        const keep = (existing: Record<string, unknown> | null) => ({ userId: existing?.userId ?? null });
        ({ key, size, contentType, data } = await runtime.variants.render(asset, plan, { addressed: keep }));
      } else {
        runtime.variantStore.usage.touch(asset.id, variant.name);
      }
      return sendBlob(
        reply,
        request,
        runtime.blobs,
        {
          key,
          size,
          lastModified: new Date(variant.createdAt),
          etag: `"${ref.variant}"`,
          contentType,
          data,
        },
        {
          cacheControl: CACHE_CONTROL,
          disposition,
          memory: runtime.hot,
          usage: deliveryUsage(runtime, asset, 'variant'),
        },
      );
    }
    return sendBlob(reply, request, runtime.blobs, originalBlob(asset), {
      cacheControl: CACHE_CONTROL,
      disposition,
      memory: runtime.hot,
      usage: deliveryUsage(runtime, asset, 'original'),
    });
  };
  app.get('/:account/:area/:asset/:name', deliver);
  app.get('/:account/:area/:asset/v/:variant/:name', deliver);
}
