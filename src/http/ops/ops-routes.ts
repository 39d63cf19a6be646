import type { FastifyInstance } from 'fastify';
import { checkHealth } from '../../runtime/health-check.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/** Readiness (`/healthz`) and Prometheus metrics (`/metrics`): on every role's port. */
export async function opsRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.get('/healthz', async (_request, reply) => {
    const { ok, checks, failures } = await checkHealth(runtime);
    // Backend addresses and driver messages stay in the log: /healthz is often public.
    for (const { check, err } of failures) runtime.log.warn({ err, check }, 'health check failed');
    if (!ok) reply.header('Retry-After', '2');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', runtime.metrics.registry.contentType);
    return runtime.metrics.registry.metrics();
  });
}
