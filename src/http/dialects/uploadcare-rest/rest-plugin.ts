import type { FastifyInstance } from 'fastify';
import { TokenBucketLimiter } from '../../../core/limits/token-bucket.js';
import { RemoteStorages } from '../../../core/uploadcare/remote-storages.js';
import { authenticateRestRequest } from '../../../core/uploadcare/rest-auth.js';
import { restError, restNotFound } from '../../../core/uploadcare/rest-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { restAddonsRoutes } from './rest-addons-routes.js';
import { restConvertRoutes } from './rest-convert-routes.js';
import { REST_CONTENT_TYPE, renderRestError } from './rest-errors.js';
import { restFilesRoutes } from './rest-files-routes.js';
import { restGroupsRoutes } from './rest-groups-routes.js';
import { restMetadataRoutes } from './rest-metadata-routes.js';
import { restProjectRoutes } from './rest-project-routes.js';
import { header, rawBody, setAccount, setRawBody } from './rest-request.js';
import { restTagsRoutes } from './rest-tags-routes.js';
import { restWebhooksRoutes } from './rest-webhooks-routes.js';

const ACCEPT = /application\/vnd\.uploadcare-v0\.7\+json/i;
const BAD_ACCEPT =
  'Incorrect Accept header provided. Make sure to specify API version. Refer to REST API docs for details.';

/**
 * The Uploadcare REST API v0.7 (`@uploadcare/rest-client`), mounted at `/uploadcare/rest` and,
 * through app.ts's rewriteUrl, at the origin's root for requests with the API's authorization.
 * Each request: body kept raw (the signature covers it), then authentication, the version in
 * `Accept`, and the project's request budget; every error as `{"detail": ...}`.
 */
export async function uploadcareRestApi(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const limiter = new TokenBucketLimiter();
  const storages = new RemoteStorages(runtime.config.uploadcareRemoteStorages, runtime.config.dataDir);
  app.addHook('onClose', async () => storages.close());
  installErrorHandler(app, renderRestError);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    setRawBody(request, text);
    if (text === '') return done(null, undefined);
    if (/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? ''))
      return done(null, Object.fromEntries(new URLSearchParams(text)));
    try {
      done(null, JSON.parse(text));
    } catch {
      done(restError(400, 'JSON parse error.'), undefined);
    }
  });
  // Exactly the versioned type (no charset): the official client compares the header verbatim.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode !== 204) reply.header('content-type', REST_CONTENT_TYPE);
    return payload;
  });
  app.addHook('preHandler', async (request, reply) => {
    const account = await authenticateRestRequest(runtime.accounts, {
      method: request.method,
      uri: request.originalUrl,
      contentType: header(request, 'content-type') ?? '',
      body: rawBody(request),
      authorization: header(request, 'authorization'),
      date: header(request, 'x-uploadcare-date') ?? header(request, 'date'),
    });
    if (!ACCEPT.test(header(request, 'accept') ?? '')) throw restError(406, BAD_ACCEPT);
    const rate =
      positive(account.settings.restRequestsPerSecond) ?? runtime.config.uploadcareRequestsPerSecond;
    const taken = limiter.take(account.id, rate);
    if (!taken.allowed) {
      const wait = taken.retryAfterSeconds;
      throw restError(
        429,
        `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`,
        wait,
      );
    }
    reply.header('access-control-allow-origin', '*');
    setAccount(request, account);
  });
  app.setNotFoundHandler(async () => {
    throw restNotFound();
  });
  await restFilesRoutes(app, runtime, storages);
  await restMetadataRoutes(app, runtime);
  await restTagsRoutes(app, runtime);
  await restGroupsRoutes(app, runtime);
  await restProjectRoutes(app, runtime);
  await restWebhooksRoutes(app, runtime);
  await restConvertRoutes(app, runtime);
  await restAddonsRoutes(app, runtime);
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}
