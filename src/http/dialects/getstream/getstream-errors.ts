import type { FastifyRequest } from 'fastify';
import { type ErrorCode, KilnError } from '../../../core/errors/kiln-error.js';
import type { ErrorRenderer } from '../../errors/error-handler.js';

/**
 * Stream's Feeds API error JSON (reference §6.2): `{detail, status_code, code, exception, duration}`.
 * Codes and exception names per the reference's table (§6.3); errors raised by the core map by code.
 */
interface StreamCode {
  status?: number;
  code: number;
  exception: string;
}

const BY_KILN_CODE: Partial<Record<ErrorCode, StreamCode>> = {
  invalid_input: { code: 4, exception: 'InputException' },
  // Not an image / too many pixels: Stream answers these as input errors (400).
  unsupported_media_type: { status: 400, code: 4, exception: 'InputException' },
  limit_exceeded: { status: 400, code: 4, exception: 'InputException' },
  processing_failed: { status: 400, code: 4, exception: 'InputException' },
  payload_too_large: { status: 413, code: 18, exception: 'InputException' },
  unauthorized: { status: 403, code: 17, exception: 'NotAllowedException' },
  forbidden: { code: 17, exception: 'NotAllowedException' },
  signature_invalid: { code: 17, exception: 'NotAllowedException' },
  signature_expired: { code: 17, exception: 'NotAllowedException' },
  not_found: { code: 16, exception: 'DoesNotExistException' },
  conflict: { code: 4, exception: 'InputException' },
  rate_limited: { code: 9, exception: 'RateLimitReached' },
};

/** An error with Stream's own code and exception name (auth failures, unknown api_key). */
export function streamError(status: number, code: number, exception: string, detail: string): KilnError {
  const kilnCode: ErrorCode =
    status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'invalid_input';
  return new KilnError(kilnCode, detail, { status, details: { stream: { code, exception } } });
}

export const notAllowed = (detail: string) => streamError(403, 17, 'NotAllowedException', detail);

const started = new WeakMap<FastifyRequest, bigint>();

export function markStart(request: FastifyRequest): void {
  started.set(request, process.hrtime.bigint());
}

/** Time spent on the request as a Go duration string ("1.52ms"), as Stream reports it. */
export function streamDuration(request: FastifyRequest): string {
  const start = started.get(request);
  const ns = start === undefined ? 0n : process.hrtime.bigint() - start;
  return `${(Number(ns) / 1e6).toFixed(2)}ms`;
}

/** An account limit: the file size one as Stream's 413, the count and storage ones as 403. */
function accountLimitCode(err: KilnError): StreamCode | undefined {
  const limit = err.details.accountLimit;
  if (limit === undefined) return undefined;
  return limit === 'maxFileSize'
    ? { status: 413, code: 18, exception: 'InputException' }
    : { status: 403, code: 17, exception: 'NotAllowedException' };
}

export const renderStreamError: ErrorRenderer = (err, request) => {
  const own = err.details.stream as StreamCode | undefined;
  const mapped = own ?? accountLimitCode(err) ?? BY_KILN_CODE[err.code];
  const status = own ? err.status : (mapped?.status ?? err.status);
  const server = status >= 500;
  return {
    status,
    body: {
      detail: server ? 'Internal server error' : err.publicMessage,
      status_code: status,
      code: mapped?.code ?? (server ? -1 : 4),
      exception: mapped?.exception ?? (server ? 'StreamApiException' : 'InputException'),
      duration: streamDuration(request),
    },
  };
};
