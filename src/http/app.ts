import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { KilnRuntime } from '../runtime/kiln-runtime.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { decorateDeliveryOrigin } from './delivery/delivery-origin.js';
import { fileDeliveryRoutes } from './delivery/file-delivery-routes.js';
import { cloudflareApi } from './dialects/cloudflare/cloudflare-api.js';
import { renderCloudflareError } from './dialects/cloudflare/envelope.js';
import { imagesApi } from './dialects/cloudflare/images/images-api.js';
import { imagesDelivery } from './dialects/cloudflare/images/images-delivery.js';
import { streamApi } from './dialects/cloudflare/stream/stream-api.js';
import { streamPublicRoutes } from './dialects/cloudflare/stream/stream-public-routes.js';
import { renderStreamError } from './dialects/getstream/getstream-errors.js';
import { getstreamPlugin } from './dialects/getstream/getstream-plugin.js';
import { renderImgproxyError } from './dialects/imgproxy/imgproxy-errors.js';
import { imgproxyRoutes } from './dialects/imgproxy/imgproxy-routes.js';
import { uploadcareCdn } from './dialects/uploadcare/uc-cdn-routes.js';
import { renderUploadcareError } from './dialects/uploadcare/uc-errors.js';
import { uploadcareProxy } from './dialects/uploadcare/uc-proxy-routes.js';
import { uploadcareApi } from './dialects/uploadcare/uploadcare-plugin.js';
import { uploadcareRestApi } from './dialects/uploadcare-rest/rest-plugin.js';
import { REST_PREFIX, rewriteRestUrl } from './dialects/uploadcare-rest/rest-request.js';
import { registerApiDocs } from './docs/api-docs.js';
import { clientErrorHandler } from './errors/client-error-handler.js';
import { installErrorHandler, renderKilnError } from './errors/error-handler.js';
import { installFailedAuthLimit } from './errors/failed-auth.js';
import { accountLimitsRoutes } from './kiln-api/account-limits-routes.js';
import { assetImageRoutes } from './kiln-api/asset-image-routes.js';
import { imageSourceRoutes } from './kiln-api/image-source-routes.js';
import { kilnApiRoutes } from './kiln-api/kiln-api-routes.js';
import { resumableUploadRoutes } from './kiln-api/resumable-upload-routes.js';
import { usageRoutes } from './kiln-api/usage-routes.js';
import { opsRoutes } from './ops/ops-routes.js';
import { answerStalledBodies } from './request-body/answer-stalled-body.js';
import { closeTusLocker } from './tus/tus-locker.js';

/**
 * Builds the HTTP application (not listening: server.ts does that, tests may use inject()).
 * Each dialect is a plugin with its own prefix and error envelope.
 */
export async function buildApp(runtime: KilnRuntime): Promise<FastifyInstance> {
  const app = Fastify({
    // pino 10's Logger type is wider than the FastifyBaseLogger that fastify's bundled types expect.
    loggerInstance: runtime.log as unknown as FastifyBaseLogger,
    // Per-request lines only when debugging: the access log is the metrics, not the info log.
    logController: new LogController({
      disableRequestLogging: runtime.config.logLevel !== 'debug' && runtime.config.logLevel !== 'trace',
    }),
    trustProxy: trustProxySetting(runtime.config.trustProxy),
    // Slow clients: headers must arrive within headersTimeout (slowloris); a connection silent for
    // idleTimeout is closed (stalled or abandoned bodies); requestTimeout bounds a whole request.
    // Node checks these every connectionsCheckingInterval, so it is kept well below them.
    http: {
      headersTimeout: runtime.config.headersTimeoutSeconds * 1000 || 60_000,
      connectionsCheckingInterval: checkingInterval(runtime.config.headersTimeoutSeconds),
    },
    connectionTimeout: runtime.config.idleTimeoutSeconds * 1000,
    requestTimeout: runtime.config.requestTimeoutSeconds * 1000,
    bodyLimit: 1024 * 1024,
    // The Uploadcare REST API answers at the root for requests that carry its authorization.
    rewriteUrl: (req) => rewriteRestUrl(req.url ?? '/', req.headers.authorization),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Custom ids with slashes (Cloudflare Images) and opaque tokens in paths need long URLs.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: false, maxParamLength: 2048 },
    // Requests Node refuses before routing (431, 408, 400) answer in the envelope their path names.
    clientErrorHandler: clientErrorHandler(
      [
        ['/client/v4/', renderCloudflareError],
        ['/stream/', renderCloudflareError],
        ['/uploadcare/', renderUploadcareError],
        ['/api/v1.0/', renderStreamError],
        ['/imgproxy/', renderImgproxyError],
      ],
      renderKilnError,
    ),
  });
  answerStalledBodies(app);
  decorateDeliveryOrigin(app, runtime.config.deliveryUrl);
  installFailedAuthLimit(app, runtime.failedAuth);
  // The tus lock connection (PostgreSQL) is the app's, not the runtime's.
  app.addHook('onClose', () => closeTusLocker(runtime));

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    runtime.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    runtime.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  installErrorHandler(app, renderKilnError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` },
    }),
  );

  // First: it documents the routes registered after it.
  await registerApiDocs(app, runtime);
  await app.register(opsRoutes, { runtime });
  await app.register(kilnApiRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(accountLimitsRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(resumableUploadRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(assetImageRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(imageSourceRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(usageRoutes, { runtime, prefix: '/kiln/v1' });
  await app.register(dashboardRoutes, { runtime });
  await app.register(fileDeliveryRoutes, { runtime });
  await app.register(getstreamPlugin, { runtime });
  await app.register(cloudflareApi([streamApi, imagesApi]), {
    runtime,
    prefix: '/client/v4/accounts/:account_id',
  });
  await app.register(streamPublicRoutes, { runtime });
  await app.register(uploadcareRestApi, { runtime, prefix: REST_PREFIX });
  await app.register(uploadcareApi, { runtime, prefix: '/uploadcare' });
  await app.register(uploadcareCdn, { runtime });
  await app.register(imagesDelivery, { runtime });
  await app.register(imgproxyRoutes, { runtime });
  await app.register(uploadcareProxy, { runtime });
  return app;
}

/** KILN_TRUST_PROXY as Fastify takes it: a boolean, a hop count, or a list of addresses/CIDRs/names. */
export function trustProxySetting(
  value: string,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A quarter of the headers timeout, between 250 ms and Node's default of 30 s. */
function checkingInterval(headersTimeoutSeconds: number): number {
  if (headersTimeoutSeconds === 0) return 30_000;
  return Math.min(30_000, Math.max(250, (headersTimeoutSeconds * 1000) / 4));
}
