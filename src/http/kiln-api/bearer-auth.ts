import type { FastifyRequest } from 'fastify';
import type { Account } from '../../core/accounts/account.js';
import { errors } from '../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';

/**
 * `Authorization: Bearer <apiToken>` to the account, or 401; then the account's rate limit (429).
 * The per-IP limit runs before, in an onRequest hook, so guessing tokens is limited too.
 */
export async function requireBearerAccount(runtime: KilnRuntime, request: FastifyRequest): Promise<Account> {
  const account = await authenticateBearer(runtime, request);
  runtime.rateLimits.account.consume(account.id, 'account');
  return account;
}

async function authenticateBearer(runtime: KilnRuntime, request: FastifyRequest): Promise<Account> {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw errors.unauthorized('Missing Authorization: Bearer <api token>');
  const account = await runtime.accounts.authenticateToken(match[1]!);
  if (!account) throw errors.unauthorized('Invalid API token');
  return account;
}
