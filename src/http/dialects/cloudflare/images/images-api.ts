import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { CloudflareProductOptions } from '../cloudflare-api.js';
import { accountRoutes } from './account-routes.js';
import { imageRoutes } from './image-routes.js';
import { imagesContext } from './images-context.js';
import { v2Routes } from './v2-routes.js';
import { variantRoutes } from './variant-routes.js';

/**
 * Cloudflare Images, the API product under `/client/v4/accounts/:account_id`: every
 * `client.images.*` method of the `cloudflare` SDK (reference/cloudflare-images.md §2).
 * Fixed names (keys, stats, variants, config) are static routes, so they win over the
 * raw-path wildcard that carries image ids.
 */
export async function imagesApi(app: FastifyInstance, opts: CloudflareProductOptions) {
  const ctx = imagesContext(opts.runtime);
  await app.register(multipart);
  // keys.update sends a PUT with no body and no content type.
  await accountRoutes(app, ctx);
  await variantRoutes(app, ctx);
  await v2Routes(app, ctx);
  await imageRoutes(app, ctx);
}
