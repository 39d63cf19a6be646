import { type Command, Option } from 'commander';
import { ConfigError, type KilnConfig, loadConfig } from '../config/config.js';

/** Options every command shares: where the data lives. */
export function withDataOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data <dir>', 'data directory (env KILN_DATA_DIR, default ./kiln-data)'))
    .addOption(new Option('--log-level <level>', 'log level (env KILN_LOG_LEVEL)'))
    .addOption(
      new Option('--log-format <format>', 'auto, json or pretty (env KILN_LOG_FORMAT, default auto)'),
    );
}

/** Options of a server process (`serve`, and `doctor`, which checks what serve would use). */
export function withServerOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--port <port>', 'HTTP port (env KILN_PORT, default 8080)'))
    .addOption(new Option('--host <host>', 'address to bind (env KILN_HOST, default 0.0.0.0)'))
    .addOption(new Option('--public-url <url>', 'base of every URL in responses (env KILN_PUBLIC_URL)'))
    .addOption(new Option('--role <role>', 'api, worker or all (env KILN_ROLE, default all)'));
}

/** Loads config from flags and env; a bad value exits with a message naming the variable. */
export function configFrom(flags: Record<string, unknown>): KilnConfig {
  try {
    return loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`kiln: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
