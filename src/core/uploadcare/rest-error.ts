import { type ErrorCode, KilnError } from '../errors/kiln-error.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'invalid_input',
  409: 'conflict',
  429: 'rate_limited',
};

/**
 * An error of the Uploadcare REST API: its status and the `detail` text the API answers with
 * (`{"detail": "..."}`). The REST dialect renders `message` as the detail.
 */
export function restError(status: number, detail: string, retryAfter?: number): KilnError {
  return new KilnError(CODE_BY_STATUS[status] ?? 'invalid_input', detail, {
    status,
    retryAfter,
    details: { ucRest: true },
  });
}

export const NOT_FOUND = 'Not found.';

export const restNotFound = () => restError(404, NOT_FOUND);
