/**
 * The one error model. Every failure the core reports is a KilnError with a stable `code`
 * (dialect renderers map codes to their own envelopes), an HTTP `status`, and a public message.
 * Anything else that escapes is an internal error: logged in full, shown as a bare 500.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'precondition_failed'
  | 'rate_limited'
  | 'limit_exceeded'
  | 'signature_invalid'
  | 'signature_expired'
  | 'fetch_failed'
  | 'processing_failed'
  | 'timeout'
  | 'unavailable'
  | 'internal';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  precondition_failed: 412,
  rate_limited: 429,
  limit_exceeded: 403,
  signature_invalid: 403,
  signature_expired: 403,
  fetch_failed: 400,
  processing_failed: 422,
  timeout: 504,
  unavailable: 503,
  internal: 500,
};

export interface KilnErrorOptions {
  status?: number;
  /** Structured facts a dialect may render (field name, limit, dialect-specific code). */
  details?: Record<string, unknown>;
  /** Seconds, sent as Retry-After on 429 and 503. */
  retryAfter?: number;
  cause?: unknown;
}

export class KilnError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: KilnErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'KilnError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.details = options.details ?? {};
    this.retryAfter = options.retryAfter;
  }

  /** 5xx errors are our fault: their message is for the log, never for the client. */
  get isServerError(): boolean {
    return this.status >= 500;
  }

  get publicMessage(): string {
    return this.isServerError && this.code === 'internal' ? 'Internal server error' : this.message;
  }
}

export function isKilnError(err: unknown): err is KilnError {
  return err instanceof KilnError;
}

/** Normalises anything thrown into a KilnError; unknown errors become `internal` (500). */
export function toKilnError(err: unknown): KilnError {
  if (err instanceof KilnError) return err;
  return new KilnError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

export const errors = {
  invalid: (message: string, details?: Record<string, unknown>) =>
    new KilnError('invalid_input', message, { details }),
  unauthorized: (message = 'Authentication required') => new KilnError('unauthorized', message),
  forbidden: (message = 'Forbidden') => new KilnError('forbidden', message),
  notFound: (what = 'Resource') => new KilnError('not_found', `${what} not found`),
  conflict: (message: string) => new KilnError('conflict', message),
  tooLarge: (limitBytes: number) =>
    new KilnError('payload_too_large', `Body exceeds the limit of ${limitBytes} bytes`, {
      details: { limit: limitBytes },
    }),
  unavailable: (message = 'Service temporarily unavailable', retryAfter = 1) =>
    new KilnError('unavailable', message, { retryAfter }),
};
