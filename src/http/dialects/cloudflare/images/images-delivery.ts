import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { sendImageVariant } from '../../../delivery/send-image-variant.js';
import { installErrorHandler } from '../../../errors/error-handler.js';
import { cfOk, renderCloudflareError } from '../envelope.js';
import { cdnCgiRoutes } from './cdn-cgi-routes.js';
import { renderDeliveryError } from './delivery-errors.js';
import { completeDirectUpload } from './direct-upload.js';
import { DELIVERY_PREFIX, DIRECT_UPLOAD_PREFIX, imageView } from './image-view.js';
import { type CfImagesContext, imagesContext } from './images-context.js';
import { rawImagePath } from './raw-image-path.js';
import { deliveryError, resolveDelivery } from './resolve-delivery.js';

/**
 * Kiln's imagedelivery.net: `/cdn/images/<hash>/<id>/<variant or options>`, the one-time direct
 * upload URLs (`/cdn/images-upload/<hash>/<id>`), and `/cdn-cgi/image/<options>/<source>`.
 */
export async function imagesDelivery(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const ctx = imagesContext(opts.runtime);
  await app.register(deliveryRoutes, { ctx });
  await app.register(cdnCgiRoutes, { ctx });
  await app.register(directUploadRoutes, { ctx });
}

async function deliveryRoutes(app: FastifyInstance, { ctx }: { ctx: CfImagesContext }) {
  installErrorHandler(app, renderDeliveryError);
  app.get(`${DELIVERY_PREFIX}/*`, async (request, reply) => {
    const resolved = await resolveDelivery(ctx, request.url, request.headers);
    return sendImageVariant(ctx.runtime, request, reply, resolved.image.asset, resolved.plan, {
      cacheControl: resolved.cacheControl,
      vary: resolved.vary,
    });
  });
}

/** The upload itself: a plain multipart POST with a `file` part and no credentials (§5.2). */
async function directUploadRoutes(app: FastifyInstance, { ctx }: { ctx: CfImagesContext }) {
  installErrorHandler(app, renderCloudflareError);
  await app.register(multipart);
  app.post(`${DIRECT_UPLOAD_PREFIX}/*`, async (request) => {
    const path = (request.raw.url ?? '').split('?', 1)[0]!;
    const hash = path.slice(DIRECT_UPLOAD_PREFIX.length + 1).split('/', 1)[0]!;
    const account = await ctx.runtime.accounts.findByImagesHash(hash);
    if (!account) throw deliveryError(404, 5404, 'Upload URL not found');
    const { imageId } = rawImagePath(path, `${DIRECT_UPLOAD_PREFIX}/${hash}/`);
    const image = await ctx.ids.find(account.id, imageId);
    if (!image) throw deliveryError(404, 5404, 'Upload URL not found');
    const done = await completeDirectUpload(ctx, image, request);
    return cfOk(imageView(ctx.runtime.config.publicUrl, account, done, await ctx.variants.list(account)));
  });
}
