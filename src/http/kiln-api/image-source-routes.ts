import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import { parseCloudflareOptions } from '../../core/images/parse-cloudflare-options.js';
import { SourceAllowList } from '../../core/images/remote-sources/source-allow-list.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { sendRemoteImage } from '../delivery/send-remote-image.js';
import { requireBearerAccount } from './bearer-auth.js';
import { errorResponses } from './kiln-api-schemas.js';

/**
 * Remote image sources (KILN_IMAGE_SOURCES) in Kiln's API:
 * - `GET /kiln/v1/image-sources`: whether remote sources are enabled for this account (the
 *   dashboard's transform preview offers a remote URL only then);
 * - `GET /kiln/v1/image-sources/image?url=<URL>&options=<Cloudflare options>`: a remote image
 *   transformed, for the dashboard's preview;
 * - `DELETE /kiln/v1/image-sources?url=<URL>`: purge one source and its results from the source
 *   cache; the next request fetches it again. Any account may ask: a purge only costs a fetch.
 */
export async function imageSourceRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.get(
    '/image-sources',
    {
      schema: {
        summary: 'Whether remote image sources are enabled',
        tags: ['images'],
        security: [{ bearer: [] }],
        response: {
          200: { type: 'object', properties: { enabled: { type: 'boolean' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await requireBearerAccount(runtime, request);
      return { enabled: new SourceAllowList(runtime.config.imageSources).enabled };
    },
  );
  app.get(
    '/image-sources/image',
    {
      schema: {
        summary: 'A remote image (among KILN_IMAGE_SOURCES) transformed with Cloudflare image options',
        tags: ['images'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string' }, options: { type: 'string' } },
        },
        response: {
          200: { description: 'The transformed image', type: 'string', format: 'binary' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const account = await requireBearerAccount(runtime, request);
      const { url, options } = request.query as { url: string; options?: string };
      const plan = parseCloudflareOptions(options || 'format=auto');
      return sendRemoteImage(runtime, request, reply, url, plan, {
        cacheControl: 'private, max-age=3600',
        accountSources: account.settings.imageSources,
      });
    },
  );
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
