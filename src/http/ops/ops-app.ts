import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { opsRoutes } from './ops-routes.js';

/**
 * The HTTP server of a worker process: `/healthz` for the orchestrator's probes and `/metrics` for
 * Prometheus, nothing else (every other path is a 404). Not listening: server.ts does that.
 */
export async function buildOpsApp(runtime: KilnRuntime): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    bodyLimit: 1024,
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'not_found',
        message: `No route for ${request.method} ${request.url.split('?')[0]}: a worker serves only /healthz and /metrics`,
      },
    }),
  );
  await app.register(opsRoutes, { runtime });
  return app;
}
