import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KilnError } from '../../core/errors/kiln-error.js';
import type { AuthSubject, FailedAuthLimiter } from '../../core/limits/failed-auth-limiter.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The one limit on failed authentication (every dialect), or null when not installed. */
    failedAuth: FailedAuthLimiter | null;
  }
}

/** Uploadcare's own codes for a wrong key or signature (it answers them 403, not 401). */
const UPLOADCARE_AUTH_FAILURES = new Set(['ProjectPublicKeyInvalidError', 'SignatureInvalidError']);

/**
 * Which refusals count as a failed authentication, whatever the dialect renders them as: a wrong
 * or missing token, key or JWT (`unauthorized`: Kiln and Cloudflare bearer tokens, Stream playback
 * tokens), a forged signed link (`signature_invalid`: Kiln and getstream links, Images signed URLs),
 * Uploadcare's wrong public key or upload signature, and errors a dialect marks `authFailure`
 * (getstream's bad JWT). An expired link or a valid token used on another account does not count.
 */
export function isAuthFailure(err: KilnError): boolean {
  if (err.code === 'unauthorized' || err.code === 'signature_invalid') return true;
  if (err.details.authFailure === true) return true;
  return typeof err.details.ucCode === 'string' && UPLOADCARE_AUTH_FAILURES.has(err.details.ucCode);
}

const accountOf = new WeakMap<FastifyRequest, string>();
const ACCOUNT_ID = /^[0-9a-f]{32}$/;

/** A dialect that found the account before the credential failed tells the limiter here. */
export function noteAuthAccount(request: FastifyRequest, accountId: string): void {
  accountOf.set(request, accountId);
}

/** The client address and the account the request names (Cloudflare's `:account_id`, or noted). */
export function authSubject(request: FastifyRequest): AuthSubject {
  const fromPath = (request.params as { account_id?: unknown } | undefined)?.account_id;
  const named = typeof fromPath === 'string' && ACCOUNT_ID.test(fromPath) ? fromPath : undefined;
  return { ip: request.ip, accountId: accountOf.get(request) ?? named };
}

/**
 * Installs the limiter on the root instance, before the route plugins: every scope can reach it,
 * and every request of a blocked client or account is refused first, in its route's envelope.
 */
export function installFailedAuthLimit(app: FastifyInstance, limiter: FailedAuthLimiter): void {
  app.decorate('failedAuth', limiter);
  if (!limiter.enabled) return;
  app.addHook('onRequest', async (request) => limiter.check(authSubject(request)));
}

/** Counts `err` when it is a failed authentication; returns what to answer (429 past the limit). */
export async function countAuthFailure(request: FastifyRequest, err: KilnError): Promise<KilnError> {
  const limiter = request.server.failedAuth;
  if (!limiter?.enabled || !isAuthFailure(err)) return err;
  try {
    return await limiter.fail(authSubject(request), err);
  } catch (cause) {
    // The counter is out of reach (database outage): still refuse, just without counting.
    request.log.warn({ err: cause }, 'failed authentication not counted');
    return err;
  }
}

/**
 * For a dialect that learns the account from the request before checking its credential (a
 * getstream api_key): failures count toward that account too, and a blocked account is refused.
 */
export function identifiedAccount(request: FastifyRequest, accountId: string): void {
  noteAuthAccount(request, accountId);
  request.server.failedAuth?.check(authSubject(request));
}
