import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { requireBearerAccount } from './bearer-auth.js';
import { errorResponses } from './kiln-api-schemas.js';

/**
 * `DELETE /kiln/v1/image-sources?url=<source URL>`: purge one remote image source (KILN_IMAGE_SOURCES)
 * and its variants from the source cache; the next request fetches it again. Any account may ask:
 * a purge only costs a fetch.
 */
export async function imageSourceRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.delete(
    '/image-sources',
    {
      schema: {
        summary: 'Purge a remote image source from the source cache',
        tags: ['images'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string', description: 'The source URL, as image URLs name it' } },
        },
        response: { 200: { type: 'object', properties: { purged: { type: 'boolean' } } }, ...errorResponses },
      },
    },
    async (request) => {
      await requireBearerAccount(runtime, request);
      const url = (request.query as { url?: string }).url;
      if (!url) throw errors.invalid('url is required');
      return { purged: await runtime.remoteSources.purge(url) };
    },
  );
}
