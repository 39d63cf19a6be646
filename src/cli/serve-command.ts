import type { Command } from 'commander';
import { startServer } from '../http/server.js';
import { configFrom, withDataOptions, withServerOptions } from './common-options.js';

export function registerServeCommand(program: Command): void {
  withServerOptions(withDataOptions(program.command('serve')))
    .description('start the API, delivery and workers (one process, or one role of many)')
    .action(async (flags) => {
      const config = configFrom(flags);
      const server = await startServer(config).catch((err) => {
        console.error(`kiln: could not start: ${(err as Error).message}`);
        process.exit(1);
      });
      const log = server.runtime.log;
      log.info(
        { port: server.port, role: config.role, publicUrl: config.publicUrl, embedded: config.embedded },
        `kiln listening on ${config.host}:${server.port}${config.role === 'worker' ? ' (worker: /healthz and /metrics only)' : ''}`,
      );
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down: draining in-flight requests and jobs');
        const force = setTimeout(() => process.exit(1), (config.shutdownGraceSeconds + 5) * 1000);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
