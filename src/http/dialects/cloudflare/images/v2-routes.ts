import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CfImage } from '../../../../core/cloudflare-images/image-ids.js';
import { errors } from '../../../../core/errors/kiln-error.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { createDirectUpload } from './direct-upload.js';
import { imageView } from './image-view.js';
import type { CfImagesContext } from './images-context.js';
import { matchesMetaFilters, parseMetaFilters } from './meta-filter.js';

const listQuery = z.object({
  continuation_token: z.string().max(4096).optional(),
  per_page: z.coerce.number().int().min(1).max(10_000).default(1000),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
  creator: z.string().max(1024).optional(),
});
const BATCH = 500;

/** Images v2: keyset listing with `continuation_token` (§2.6) and direct creator uploads (§5.2). */
export async function v2Routes(app: FastifyInstance, ctx: CfImagesContext) {
  const { runtime } = ctx;

  app.get('/images/v2', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const query = request.query as Record<string, unknown>;
    const q = listQuery.safeParse(query);
    if (!q.success) throw errors.invalid(q.error.issues[0]!.message, { cloudflareCode: 5400 });
    const filters = parseMetaFilters(query);
    const { per_page: perPage, sort_order: order, creator } = q.data;
    let after = q.data.continuation_token ? decodeToken(q.data.continuation_token) : undefined;

    // Read keyset batches until one image more than a page matched (then there is a next page).
    const found: CfImage[] = [];
    for (;;) {
      const limit = filters.length ? Math.max(BATCH, perPage + 1) : perPage + 1;
      const batch = await ctx.ids.list(account.id, { creator, limit, ascending: order === 'asc', after });
      for (const image of batch) {
        if (matchesMetaFilters(image.asset.metadata, filters)) found.push(image);
        if (found.length > perPage) break;
      }
      if (found.length > perPage || batch.length < limit) break;
      const last = batch[batch.length - 1]!;
      after = { createdAt: last.asset.createdAt, imageId: last.imageId };
    }
    const page = found.slice(0, perPage);
    const last = page[page.length - 1];
    const variants = await ctx.variants.list(account);
    return cfOk({
      images: page.map((i) => imageView(runtime.config.publicUrl, account, i, variants)),
      continuation_token: found.length > perPage && last ? encodeToken(last) : null,
    });
  });

  app.post('/images/v2/direct_upload', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(await createDirectUpload(ctx, account, request), { result_info: null });
  });
}

function encodeToken(image: CfImage): string {
  return Buffer.from(JSON.stringify([image.asset.createdAt, image.imageId])).toString('base64url');
}

function decodeToken(token: string): { createdAt: string; imageId: string } {
  try {
    const [createdAt, imageId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof imageId === 'string') return { createdAt, imageId };
  } catch {}
  throw errors.invalid('Invalid continuation_token', { cloudflareCode: 5400 });
}
