import { KilnError } from '../../core/errors/kiln-error.js';
import { SOCKET_ERROR_CODES } from '../socket-errors.js';

/** Codes the SDK reports for a missing object, upload or part. */
const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
/** Failures of the transport itself: S3 is down or unreachable, not our request wrong. */
const NETWORK = new Set([...SOCKET_ERROR_CODES, 'TimeoutError', 'RequestTimeout']);

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

export function s3StatusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

export function isS3NotFound(err: unknown): boolean {
  const e = err as SdkError;
  return MISSING.has(e?.name ?? '') || MISSING.has(e?.Code ?? '') || s3StatusOf(err) === 404;
}

/**
 * Maps an SDK failure onto the error model: absent things become `not_found`, an unsatisfiable range
 * `range_not_satisfiable`, and anything that means "S3 is down" (network failures, 5xx, throttling,
 * a missing bucket) `unavailable` (503 with a clean message), so the HTTP layer answers 503 rather
 * than leaking SDK internals. Aborts and anything else pass through unchanged.
 */
export function mapS3Error(err: unknown, what: { key?: string; uploadId?: string } = {}): unknown {
  if (err instanceof KilnError) return err;
  const e = err as SdkError;
  const name = e?.name ?? '';
  if (name === 'AbortError') return err;
  const status = s3StatusOf(err);
  if (name === 'NoSuchBucket') {
    return new KilnError('unavailable', 'Object storage bucket does not exist', {
      retryAfter: 5,
      cause: err,
    });
  }
  if (name === 'NoSuchUpload') {
    return new KilnError('not_found', 'Upload not found', {
      details: { uploadId: what.uploadId },
      cause: err,
    });
  }
  if (isS3NotFound(err)) {
    return new KilnError('not_found', 'Blob not found', { details: { key: what.key }, cause: err });
  }
  if (name === 'InvalidRange' || status === 416) {
    return new KilnError('range_not_satisfiable', 'Requested range is not satisfiable', { cause: err });
  }
  // A body stream's own error has no $metadata and is passed through as the caller's error.
  const transport =
    NETWORK.has(name) || NETWORK.has(e?.code ?? '') || (e?.$metadata !== undefined && status === undefined);
  if (transport || (status !== undefined && status >= 500) || name === 'SlowDown' || status === 429) {
    return new KilnError('unavailable', 'Object storage is unavailable', { retryAfter: 1, cause: err });
  }
  return err;
}
/** Awaits an SDK call, translating its failure into the error model. */
export async function guard<T>(call: Promise<T>, what: { key?: string; uploadId?: string } = {}): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw mapS3Error(err, what);
  }
}
