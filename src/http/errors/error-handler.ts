import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mapDatabaseError } from '../../adapters/db/db-errors.js';
import { KilnError, toKilnError } from '../../core/errors/kiln-error.js';
import { countAuthFailure } from './failed-auth.js';

/** Renders a KilnError in one dialect's envelope. */
export type ErrorRenderer = (
  err: KilnError,
  request: FastifyRequest,
) => { status?: number; body: unknown; headers?: Record<string, string> };

/** busboy's messages for a body that is not valid multipart/form-data. */
const MULTIPART_BODY_ERROR =
  /^(Unexpected end of (form|multipart data)|Part terminated early|Malformed part header|Malformed urlencoded form|Multipart: Boundary not found)/;

/**
 * Turns Fastify's own errors (bad JSON, body too large, unsupported media type) into KilnErrors,
 * so every dialect renders them in its envelope too; a database outage becomes `unavailable` (503).
 */
export function fromFastifyError(raw: unknown): KilnError {
  const err = mapDatabaseError(raw);
  if (err instanceof KilnError) return err;
  const fe = err as FastifyError;
  if (typeof fe?.statusCode === 'number' && fe.statusCode < 500) {
    const code =
      fe.statusCode === 413
        ? 'payload_too_large'
        : fe.statusCode === 415
          ? 'unsupported_media_type'
          : fe.statusCode === 404
            ? 'not_found'
            : fe.statusCode === 429
              ? 'rate_limited'
              : 'invalid_input';
    return new KilnError(code, fe.message, { status: fe.statusCode });
  }
  // busboy (under @fastify/multipart) throws plain Errors for a malformed or cut multipart body.
  if (err instanceof Error && MULTIPART_BODY_ERROR.test(err.message)) {
    return new KilnError('invalid_input', `Malformed multipart body: ${err.message}`);
  }
  return toKilnError(err);
}

/** Installs an error handler on a Fastify scope: 5xx details to the log, the public message to the client. */
export function installErrorHandler(app: FastifyInstance, render: ErrorRenderer): void {
  app.setErrorHandler((raw, request, reply) => sendError(raw, request, reply, render));
}

export async function sendError(
  raw: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  render: ErrorRenderer,
) {
  // A failed authentication counts toward the one shared limit; past it the answer is a 429.
  const err = await countAuthFailure(request, fromFastifyError(raw));
  if (err.status >= 500) request.log.error({ err: raw }, 'request failed');
  else request.log.info({ code: err.code, msg: err.message }, 'request refused');
  if (err.retryAfter !== undefined) reply.header('Retry-After', String(err.retryAfter));
  const { status, body, headers } = render(err, request);
  if (headers) reply.headers(headers);
  return reply.status(status ?? err.status).send(body);
}

/** Kiln's own envelope, for its native API and routes that belong to no dialect. */
export const renderKilnError: ErrorRenderer = (err) => ({
  body: { error: { code: err.code, message: err.publicMessage, ...(err.status < 500 ? err.details : {}) } },
});
