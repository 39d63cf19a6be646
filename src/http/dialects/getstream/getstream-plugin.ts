import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { CDN_PREFIX } from './cdn-links.js';
import { streamCdnRoutes } from './getstream-cdn-routes.js';
import { markStart, renderStreamError, streamDuration } from './getstream-errors.js';
import { streamObjectRoutes } from './getstream-objects-routes.js';

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, stream-auth-type, x-stream-client, content-type',
  'access-control-max-age': '86400',
};

function notFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
    status_code: 404,
    code: 16,
    exception: 'DoesNotExistException',
    duration: streamDuration(request),
  });
}

/**
 * The Stream (getstream.io) Feeds v2 CDN dialect: the API at `/api/v1.0/{files,images}/` (the SDK's
 * `urlOverride: {api: '<public url>/api/'}`) and the signed CDN links at `/stream-cdn/`. Every error in
 * both scopes renders as Stream's error JSON.
 */
export async function getstreamPlugin(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  app.addHook('onRequest', async (request) => markStart(request));
  installErrorHandler(app, renderStreamError);
  await app.register(
    async (api) => {
      // Browser SDKs send custom headers, so they preflight (reference §2.2).
      api.addHook('onSend', async (_request, reply) => {
        reply.header('access-control-allow-origin', '*');
      });
      api.setNotFoundHandler(notFound);
      api.options('/*', async (_request, reply) => reply.headers(CORS_HEADERS).status(204).send());
      await api.register(multipart, { limits: { files: 1, fields: 16, parts: 17 } });
      await api.register(streamObjectRoutes, { runtime: opts.runtime });
    },
    { prefix: '/api/v1.0' },
  );
  await app.register(
    async (cdn) => {
      cdn.setNotFoundHandler(notFound);
      await cdn.register(streamCdnRoutes, { runtime: opts.runtime });
    },
    { prefix: CDN_PREFIX },
  );
}
