import type { KilnError } from '../../../core/errors/kiln-error.js';
import { NOT_FOUND } from '../../../core/uploadcare/rest-error.js';
import type { ErrorRenderer } from '../../errors/error-handler.js';

export const REST_CONTENT_TYPE = 'application/vnd.uploadcare-v0.7+json';

/**
 * Every REST API error: `{"detail": "..."}` with its status (server faults keep their details in
 * the log); a validation error keyed by field (file search) as `{"<field>": ["..."]}`.
 */
export const renderRestError: ErrorRenderer = (err) => ({
  status: err.status,
  headers: { 'content-type': REST_CONTENT_TYPE },
  body:
    err.status < 500 && isFieldErrors(err.details.fields) ? err.details.fields : { detail: detailOf(err) },
});

function isFieldErrors(v: unknown): v is Record<string, string[]> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function detailOf(err: KilnError): string {
  if (err.status >= 500) return 'Internal server error.';
  if (err.code === 'not_found' && !err.details.ucRest) return NOT_FOUND;
  return err.message;
}
