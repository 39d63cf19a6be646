import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deleteAsset } from '../../../../core/assets/delete-asset.js';
import { errors } from '../../../../core/errors/kiln-error.js';
import { deliveryUsage } from '../../../delivery/delivery-usage.js';
import { originalBlob } from '../../../delivery/original-blob.js';
import { sendBlob } from '../../../delivery/send-blob.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { createImage } from './image-create.js';
import { imageExtra, imageView } from './image-view.js';
import type { CfImagesContext } from './images-context.js';
import { rawImagePath } from './raw-image-path.js';
import { MAX_METADATA_BYTES } from './upload-form.js';

const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(10_000).default(1000),
  creator: z.string().max(1024).optional(),
});

const editBody = z
  .object({
    creator: z.string().max(1024).nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    requireSignedURLs: z.boolean().optional(),
  })
  .nullish();

/** Images v1: upload, list, get, edit, delete and the original bytes (§2.1, §2.5). */
export async function imageRoutes(app: FastifyInstance, ctx: CfImagesContext) {
  const { runtime } = ctx;
  const publicUrl = runtime.config.publicUrl;
  const marker = '/images/v1/';

  app.post('/images/v1', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const image = await createImage(ctx, account, request);
    return cfOk(imageView(publicUrl, account, image, await ctx.variants.list(account)));
  });

  app.get('/images/v1', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const q = listQuery.safeParse(request.query);
    if (!q.success) throw errors.invalid(q.error.issues[0]!.message, { cloudflareCode: 5400 });
    const { page, per_page: perPage, creator } = q.data;
    const [images, total, variants] = await Promise.all([
      ctx.ids.list(account.id, { creator, limit: perPage, offset: (page - 1) * perPage, ascending: true }),
      ctx.ids.count(account.id),
      ctx.variants.list(account),
    ]);
    return cfOk(
      { images: images.map((i) => imageView(publicUrl, account, i, variants)) },
      { result_info: { page, per_page: perPage, count: images.length, total_count: total } },
    );
  });

  app.get('/images/v1/*', async (request, reply) => {
    const account = await cloudflareAccount(runtime, request);
    const { imageId, action } = rawImagePath(request.raw.url ?? '', marker, ['blob']);
    const image = await ctx.ids.get(account.id, imageId);
    if (action !== 'blob')
      return cfOk(imageView(publicUrl, account, image, await ctx.variants.list(account)));
    const asset = image.asset;
    if (!asset.blobKey || asset.status !== 'ready') throw errors.notFound('Image');
    return sendBlob(reply, request, runtime.blobs, originalBlob(asset), {
      cacheControl: 'private, max-age=0',
      usage: deliveryUsage(runtime, asset, 'original'),
    });
  });

  app.patch('/images/v1/*', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { imageId } = rawImagePath(request.raw.url ?? '', marker);
    const body = editBody.safeParse(request.body);
    if (!body.success) throw errors.invalid(body.error.issues[0]!.message, { cloudflareCode: 5400 });
    const image = await ctx.ids.get(account.id, imageId);
    const patch = body.data ?? {};
    const extra = imageExtra(image);
    if (patch.requireSignedURLs === true && imageId !== image.asset.id) {
      throw errors.invalid('Images with a custom id cannot require signed URLs', { cloudflareCode: 5400 });
    }
    if (patch.metadata && Buffer.byteLength(JSON.stringify(patch.metadata)) > MAX_METADATA_BYTES) {
      throw errors.invalid(`Metadata must be at most ${MAX_METADATA_BYTES} bytes`, { cloudflareCode: 5400 });
    }
    const asset = await runtime.assets.update(account.id, image.asset.id, {
      metadata: patch.metadata,
      extra: { ...extra, requireSignedURLs: patch.requireSignedURLs ?? extra.requireSignedURLs },
    });
    let creator = image.creator;
    if (patch.creator !== undefined) {
      creator = patch.creator || null;
      await ctx.ids.setCreator(account.id, imageId, creator);
    }
    return cfOk(imageView(publicUrl, account, { imageId, creator, asset }, await ctx.variants.list(account)));
  });

  app.delete('/images/v1/*', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { imageId } = rawImagePath(request.raw.url ?? '', marker);
    const image = await ctx.ids.get(account.id, imageId);
    await deleteAsset(runtime, account.id, image.asset.id);
    // The id is free again at once; the bytes and variants go with the purge job.
    await ctx.ids.release(account.id, imageId);
    return cfOk({});
  });
}
