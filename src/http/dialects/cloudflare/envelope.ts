import type { KilnError } from '../../../core/errors/kiln-error.js';
import type { ErrorRenderer } from '../../errors/error-handler.js';

/** Cloudflare's v4 envelope around a successful result (the SDK reads `.result`). */
export function cfOk<T>(result: T, extra: Record<string, unknown> = {}) {
  return { result, success: true, errors: [], messages: [], ...extra };
}

/**
 * Cloudflare error codes by Kiln error code. A thrower can name the exact Cloudflare code with
 * `details.cloudflareCode` (e.g. 10005 with "required field maxDurationSeconds is missing").
 */
const CODES: Partial<Record<KilnError['code'], number>> = {
  unauthorized: 10000,
  forbidden: 10000,
  invalid_input: 10005,
  not_found: 10003,
  conflict: 10009,
  payload_too_large: 10005,
  unsupported_media_type: 10059,
  limit_exceeded: 10011,
  rate_limited: 10013,
  signature_invalid: 10000,
  signature_expired: 10000,
  fetch_failed: 10005,
  processing_failed: 10005,
  gone: 10005,
  unavailable: 10002,
  timeout: 10002,
  internal: 10001,
};

/** Cloudflare's code for core refusals that Kiln names by `details.reason` where the default code differs. */
const REASON_CODES: Record<string, number> = {
  // A one-time direct creator upload URL used again (a conflict in Kiln's terms).
  upload_url_used: 10005,
  // An audio track label already used on the video.
  audio_label_taken: 10005,
};

/** `{success:false, errors:[{code, message}]}`; 409 carries x-should-retry: false (the SDK would retry it). */
export const renderCloudflareError: ErrorRenderer = (err) => {
  const code =
    typeof err.details.cloudflareCode === 'number'
      ? err.details.cloudflareCode
      : (REASON_CODES[String(err.details.reason)] ?? CODES[err.code] ?? 10000);
  const headers: Record<string, string> = {};
  if (err.status === 409 || err.status === 400 || err.status === 422) headers['x-should-retry'] = 'false';
  return {
    body: { result: null, success: false, errors: [{ code, message: err.publicMessage }], messages: [] },
    headers,
  };
};
