import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { TokenBucketLimiter } from '../../../core/limits/token-bucket.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { ucBaseRoutes } from './uc-base-routes.js';
import type { UcContext } from './uc-context.js';
import { renderUploadcareError, ucError } from './uc-errors.js';
import { ucFromUrlRoutes } from './uc-from-url-routes.js';
import { ucGroupRoutes } from './uc-group-routes.js';
import { ucMultipartRoutes } from './uc-multipart-routes.js';

const ENDPOINTS: Record<string, string> = {
  '/base': 'POST',
  '/info': 'GET',
  '/multipart/start': 'POST',
  '/multipart/complete': 'POST',
  '/from_url': 'POST',
  '/from_url/status': 'GET',
  '/group': 'POST',
  '/group/info': 'GET',
};

/**
 * The Uploadcare Upload API, mounted at `/uploadcare` (the SDK's `baseURL`). Every error in this
 * scope renders per the jsonerrors rules; parameters come from the query and the form alike.
 */
export async function uploadcareApi(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const ctx: UcContext = { runtime: opts.runtime, limiter: new TokenBucketLimiter() };
  installErrorHandler(app, renderUploadcareError);
  await app.register(multipart, {
    limits: { fields: 1000, fieldSize: 64 * 1024, parts: 1200, headerPairs: 200 },
    throwFileSizeLimit: true,
  });
  // Form-encoded bodies are parsed as text (UcParams decodes them); part PUTs are streamed raw.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_r, body, done) => done(null, body),
  );
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onSend', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', 'Retry-After');
  });
  app.options('/*', async (_request, reply) =>
    reply
      .header('access-control-allow-methods', 'GET, POST, PUT, OPTIONS')
      .header('access-control-allow-headers', 'X-UC-User-Agent, Content-Type')
      .header('access-control-max-age', '86400')
      .status(200)
      .send(''),
  );
  app.setNotFoundHandler(async (request) => {
    const path = request.url
      .split('?')[0]!
      .replace(/^\/uploadcare/, '')
      .replace(/\/+$/, '');
    if (ENDPOINTS[path]) throw ucError('MethodNotAllowedError', request.method, `${path}/`);
    throw ucError('UploadViewsError');
  });
  await ucBaseRoutes(app, ctx);
  await ucMultipartRoutes(app, ctx);
  await ucFromUrlRoutes(app, ctx);
  await ucGroupRoutes(app, ctx);
}
