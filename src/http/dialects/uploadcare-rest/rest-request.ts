import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../core/accounts/account.js';
import { isRestAuthorization } from '../../../core/uploadcare/rest-auth.js';

/** Where the REST API is mounted; requests at the origin's root are rewritten onto it. */
export const REST_PREFIX = '/uploadcare/rest';

const ROOT_PATHS = /^\/(files|groups|project|webhooks|convert|addons)(\/|\?|$)/;

/**
 * Fastify's rewriteUrl: a request at the root for one of the REST API's paths that carries the
 * API's authorization (`Uploadcare ...` or `Uploadcare.Simple ...`) goes to the REST API; Kiln's
 * own `/files/<id>/<name>` links never carry one, so they are left alone.
 */
export function rewriteRestUrl(url: string, authorization: string | string[] | undefined): string {
  const auth = Array.isArray(authorization) ? authorization[0] : authorization;
  if (ROOT_PATHS.test(url) && isRestAuthorization(auth)) return `${REST_PREFIX}${url}`;
  return url;
}

/** The base that URLs in answers keep: the root, or the prefix when the client called it. */
export function apiBase(publicUrl: string, request: FastifyRequest): string {
  return request.originalUrl.startsWith(`${REST_PREFIX}/`) ? `${publicUrl}${REST_PREFIX}` : publicUrl;
}

const raw = new WeakMap<FastifyRequest, string>();
const accounts = new WeakMap<FastifyRequest, Account>();

export function setRawBody(request: FastifyRequest, body: string): void {
  raw.set(request, body);
}

export function rawBody(request: FastifyRequest): string {
  return raw.get(request) ?? '';
}

export function setAccount(request: FastifyRequest, account: Account): void {
  accounts.set(request, account);
}

/** The authenticated project of this request (set by the plugin's preHandler). */
export function accountOf(request: FastifyRequest): Account {
  const account = accounts.get(request);
  if (!account) throw new Error('REST request without an authenticated account');
  return account;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
