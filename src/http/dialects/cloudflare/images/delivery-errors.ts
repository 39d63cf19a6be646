import type { ErrorRenderer } from '../../../errors/error-handler.js';

/** Cloudflare's transformation error codes by Kiln error code (§5.5), when the thrower named none. */
const CODES: Record<string, [number, number]> = {
  invalid_input: [400, 9401],
  not_found: [404, 9431],
  forbidden: [403, 9425],
  signature_invalid: [403, 9425],
  signature_expired: [403, 9425],
  unsupported_media_type: [415, 9412],
  limit_exceeded: [403, 9413],
  payload_too_large: [413, 9402],
  processing_failed: [415, 9520],
  fetch_failed: [502, 9404],
  timeout: [504, 9524],
  unavailable: [503, 9523],
  rate_limited: [429, 9422],
  internal: [500, 9524],
};

/**
 * Delivery and transformation failures as Cloudflare sends them: the status, a `Cf-Resized:
 * err=<code>` header and a short text body (never JSON, never the error of another layer).
 */
export const renderDeliveryError: ErrorRenderer = (err) => {
  const fallback = CODES[err.code] ?? [err.status, 9524];
  const named = err.details.cloudflareCode;
  const code = typeof named === 'number' && named >= 9000 && named < 10_000 ? named : fallback[1];
  const status =
    typeof named === 'number' && named >= 9000 ? err.status : err.status >= 500 ? err.status : fallback[0];
  return {
    status,
    body: `ERROR ${code}: ${err.publicMessage}\n`,
    headers: {
      'cf-resized': `err=${code}`,
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    },
  };
};
