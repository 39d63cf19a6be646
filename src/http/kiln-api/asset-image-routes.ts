import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import { parseCloudflareOptions } from '../../core/images/parse-cloudflare-options.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { sendImageVariant } from '../delivery/send-image-variant.js';
import { requireBearerAccount } from './bearer-auth.js';
import { assetIdParams, errorResponses } from './kiln-api-schemas.js';

/**
 * `GET /kiln/v1/assets/:id/image?options=width=320,fit=cover,format=webp`: an image asset through
 * the one transform pipeline, for its owner (Bearer). The options use the Cloudflare grammar, the
 * most widely known; the dashboard's thumbnails and its live transform preview are built on it.
 */
export async function assetImageRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.get(
    '/assets/:id/image',
    {
      schema: {
        summary: 'An image asset transformed (resize, crop, format) for its owner',
        tags: ['assets'],
        security: [{ bearer: [] }],
        params: assetIdParams,
        querystring: {
          type: 'object',
          properties: {
            options: {
              type: 'string',
              description: 'Cloudflare image options, e.g. width=320,fit=cover,format=auto',
            },
          },
        },
        response: {
          200: { description: 'The transformed image', type: 'string', format: 'binary' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const account = await requireBearerAccount(runtime, request);
      const { id } = request.params as { id: string };
      const asset = await runtime.assets.get(account.id, id);
      if (asset.kind !== 'image') throw errors.invalid('Only image assets can be transformed');
      const { options } = request.query as { options?: string };
      const plan = parseCloudflareOptions(options || 'format=auto');
      return sendImageVariant(runtime, request, reply, asset, plan, {
        cacheControl: 'private, max-age=3600',
      });
    },
  );
}
