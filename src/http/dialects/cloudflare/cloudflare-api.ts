import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { renderCloudflareError } from './envelope.js';

export interface CloudflareProductOptions {
  runtime: KilnRuntime;
}

/**
 * `/client/v4/accounts/:account_id/...`: the Cloudflare API surface. Products (images, stream)
 * register beneath it; every error inside renders in Cloudflare's envelope, unknown routes as 7003.
 */
export function cloudflareApi(products: Array<FastifyPluginAsync<CloudflareProductOptions>>) {
  return async function cloudflareApiPlugin(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
    installErrorHandler(app, renderCloudflareError);
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        result: null,
        success: false,
        errors: [
          { code: 7003, message: `No route for the URI: ${request.method} ${request.url.split('?')[0]}` },
        ],
        messages: [],
      }),
    );
    for (const product of products) await app.register(product, { runtime: opts.runtime });
  };
}
