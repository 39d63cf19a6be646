import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../core/accounts/account.js';
import { KilnError } from '../../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';

/**
 * The account behind a Cloudflare API call: `Authorization: Bearer <apiToken>` (the SDK's
 * `apiToken`) or the legacy `X-Auth-Key` + `X-Auth-Email` pair (the key is the same API token).
 * The token must belong to the `:account_id` in the path.
 */
export async function cloudflareAccount(runtime: KilnRuntime, request: FastifyRequest): Promise<Account> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const authKey = request.headers['x-auth-key'];
  const authEmail = request.headers['x-auth-email'];
  const token =
    bearer ?? (typeof authKey === 'string' && typeof authEmail === 'string' ? authKey : undefined);
  if (!token) throw authError(401, 'Authentication error: missing credentials');
  const account = await runtime.accounts.authenticateToken(token);
  if (!account) throw authError(401, 'Authentication error: invalid credentials');
  const { account_id: accountId } = request.params as { account_id?: string };
  if (accountId !== undefined && accountId !== account.id) {
    throw authError(403, 'Authentication error: the token does not grant access to this account');
  }
  return account;
}

function authError(status: number, message: string): KilnError {
  return new KilnError(status === 401 ? 'unauthorized' : 'forbidden', message, {
    status,
    details: { cloudflareCode: 10000 },
  });
}
