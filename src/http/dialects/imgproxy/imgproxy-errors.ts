import type { KilnError } from '../../../core/errors/kiln-error.js';
import { IMGPROXY_PUBLIC } from '../../../core/images/imgproxy/imgproxy-error.js';
import type { ErrorRenderer } from '../../errors/error-handler.js';

/** Kiln's error codes as imgproxy answers them: 404 not found/expired, 403 signature, 422 source. */
const BY_CODE: Record<string, [number, string]> = {
  not_found: [404, IMGPROXY_PUBLIC.invalidUrl],
  invalid_input: [422, IMGPROXY_PUBLIC.invalidImage],
  forbidden: [404, IMGPROXY_PUBLIC.invalidSource],
  signature_invalid: [403, IMGPROXY_PUBLIC.forbidden],
  signature_expired: [404, IMGPROXY_PUBLIC.expired],
  fetch_failed: [404, IMGPROXY_PUBLIC.unreachable],
  payload_too_large: [422, IMGPROXY_PUBLIC.invalidImage],
  unsupported_media_type: [422, IMGPROXY_PUBLIC.invalidImage],
  limit_exceeded: [422, IMGPROXY_PUBLIC.invalidImage],
  processing_failed: [422, IMGPROXY_PUBLIC.invalidImage],
};

function statusAndText(err: KilnError): [number, string] {
  const named = err.details.imgproxyPublic;
  if (typeof named === 'string') return [err.status, named];
  if (err.details.fetchReason === 'timeout') return [404, IMGPROXY_PUBLIC.unreachable];
  if (err.status >= 500 || err.status === 429) return [err.status, err.publicMessage];
  return BY_CODE[err.code] ?? [err.status, err.publicMessage];
}

/** imgproxy's error answer: the status and its short public text, as plain text, never cached. */
export const renderImgproxyError: ErrorRenderer = (err) => {
  const [status, text] = statusAndText(err);
  return {
    status,
    body: text,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' },
  };
};
