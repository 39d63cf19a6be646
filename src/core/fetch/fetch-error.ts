import { KilnError } from '../errors/kiln-error.js';

/**
 * Why a fetch from a URL was refused or failed. Dialects map reasons to their own error codes
 * (Uploadcare's URL*Error table, Cloudflare's 9xxx codes).
 */
export type FetchFailureReason =
  | 'url_invalid'
  | 'scheme_required'
  | 'scheme_invalid'
  | 'host_required'
  | 'host_malformed'
  | 'host_not_found'
  | 'private_ip'
  | 'redirects'
  | 'too_large'
  | 'timeout'
  | 'http_status'
  | 'connection';

const MESSAGES: Record<FetchFailureReason, string> = {
  url_invalid: 'Failed to parse URL.',
  scheme_required: 'No URL scheme supplied.',
  scheme_invalid: 'Invalid URL scheme.',
  host_required: 'No URL host supplied.',
  host_malformed: 'URL host is malformed.',
  host_not_found: 'Host does not exist.',
  private_ip: 'Only public IPs are allowed.',
  redirects: 'Too many redirects.',
  too_large: 'File is too large.',
  timeout: 'Fetching the URL took too long.',
  http_status: 'The URL answered with an error status.',
  connection: 'Could not connect to the URL.',
};

export function fetchError(reason: FetchFailureReason, detail?: string): KilnError {
  const message = detail ? `${MESSAGES[reason]} ${detail}`.trim() : MESSAGES[reason];
  return new KilnError(reason === 'too_large' ? 'payload_too_large' : 'fetch_failed', message, {
    status: reason === 'too_large' ? 413 : 400,
    details: { fetchReason: reason },
  });
}

export function fetchReasonOf(err: unknown): FetchFailureReason | undefined {
  return err instanceof KilnError ? (err.details.fetchReason as FetchFailureReason | undefined) : undefined;
}
