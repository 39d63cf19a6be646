import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeRequest } from './log-serializers.js';
import { prettyLogLine } from './pretty-log-line.js';

export type { Logger };

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level: string;
  /** `auto` (default): pretty when stdout is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where lines go (default stdout); tests pass their own. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Structured logs; credentials in headers and query strings never reach them. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.stream ?? process.stdout;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  return pino(
    {
      level: options.level,
      serializers: { req: serializeRequest },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-auth-key"]',
          'req.headers.cookie',
          'headers.authorization',
          '*.apiToken',
          '*.secretKey',
          '*.apiSecret',
        ],
        censor: '[redacted]',
      },
    },
    pretty ? prettyDestination(out, out.isTTY === true) : out === process.stdout ? undefined : out,
  );
}

/**
 * Human-readable lines: pino-pretty (synchronous, in this thread) when it is installed, otherwise
 * Kiln's compact format. Redaction and serializers have already run on what reaches either.
 */
function prettyDestination(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  const pinoPretty = optionalPinoPretty();
  if (pinoPretty) {
    return pinoPretty({
      destination: out,
      sync: true,
      colorize: color,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
  }
  return { write: (line: string) => void out.write(prettyLogLine(line, color)) };
}

type PinoPretty = (options: Record<string, unknown>) => DestinationStream;

function optionalPinoPretty(): PinoPretty | null {
  try {
    const mod = createRequire(import.meta.url)('pino-pretty') as PinoPretty | { default: PinoPretty };
    return typeof mod === 'function' ? mod : mod.default;
  } catch {
    return null;
  }
}
