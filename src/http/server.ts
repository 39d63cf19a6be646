import type { FastifyInstance } from 'fastify';
import type { KilnConfig } from '../config/config.js';
import { type LiveIngest, startLiveIngest } from '../core/live/live-ingest.js';
import { registerJobHandlers } from '../runtime/job-handlers.js';
import { createRuntime, type KilnRuntime, type RuntimeOptions } from '../runtime/kiln-runtime.js';
import { prepareMediaTools } from '../runtime/prepare-media-tools.js';
import { buildApp } from './app.js';
import { buildOpsApp } from './ops/ops-app.js';

export interface RunningServer {
  runtime: KilnRuntime;
  /** The HTTP app on the port: everything (api, all) or only /healthz and /metrics (worker). */
  app: FastifyInstance | null;
  /** The bound port (useful with --port 0). */
  port: number | null;
  close(): Promise<void>;
}

/**
 * Starts one Kiln process in its role: `api` serves HTTP, `worker` runs jobs (and serves /healthz
 * and /metrics on its port), `all` both.
 * close() drains: stop accepting, let in-flight requests and jobs finish, then release backends.
 */
export async function startServer(config: KilnConfig, options: RuntimeOptions = {}): Promise<RunningServer> {
  const runtime = await createRuntime(config, options);
  let app: FastifyInstance | null = null;
  let port: number | null = null;
  let live: LiveIngest | null = null;
  try {
    await prepareMediaTools(config, runtime.log);
    if (config.role !== 'api') {
      registerJobHandlers(runtime);
      await runtime.jobs.start();
      // Cloudflare Stream live ingest (the RTMP port, SRT listeners) runs in worker processes.
      if (config.rtmpPort > 0) live = await startLiveIngest(runtime);
    }
    app = config.role === 'worker' ? await buildOpsApp(runtime) : await buildApp(runtime);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
  } catch (err) {
    await live?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await runtime.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    runtime,
    app,
    port,
    close: () => {
      closing ??= (async () => {
        await live?.stop();
        if (app) {
          const server = app.server;
          const closing = app.close();
          // Idle keep-alive sockets go at once (otherwise close() waits out the keep-alive timeout);
          // in-flight requests get the grace period, then whatever is still open (a stalled client,
          // a body that never ends) is cut so shutdown always completes.
          server.closeIdleConnections();
          const cut = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
          cut.unref();
          await closing;
          clearTimeout(cut);
        }
        await runtime.close();
      })();
      return closing;
    },
  };
}
