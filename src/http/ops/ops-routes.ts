import type { FastifyInstance } from 'fastify';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/** Liveness/readiness and Prometheus metrics. */
export async function opsRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.get('/healthz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ok = true;
    const probes: Array<[string, () => Promise<unknown>]> = [
      ['database', () => runtime.db.selectFrom('kv').select('key').limit(1).execute()],
      ['storage', () => runtime.blobs.ping()],
    ];
    for (const [name, check] of probes) {
      try {
        await withTimeout(check(), 3000);
        checks[name] = 'ok';
      } catch (err) {
        ok = false;
        // Backend addresses and driver messages stay in the log: /healthz is often public.
        checks[name] = 'unavailable';
        runtime.log.warn({ err, check: name }, 'health check failed');
      }
    }
    if (!ok) reply.header('Retry-After', '2');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', runtime.metrics.registry.contentType);
    return runtime.metrics.registry.metrics();
  });
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
