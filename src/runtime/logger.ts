import pino, { type Logger } from 'pino';
import { serializeRequest } from './log-serializers.js';

export type { Logger };

/** Structured JSON logs; credentials in headers and query strings never reach them. */
export function createLogger(level: string): Logger {
  return pino({
    level,
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
  });
}
