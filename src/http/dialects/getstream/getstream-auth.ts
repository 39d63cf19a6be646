import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../core/accounts/account.js';
import { isKilnError, KilnError } from '../../../core/errors/kiln-error.js';
import { verifyHs256 } from '../../../core/signing/jwt.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { identifiedAccount } from '../../errors/failed-auth.js';
import { notAllowed, streamError } from './getstream-errors.js';

/** What a token must allow: upload and refresh write, process reads, delete deletes (reference §5.3). */
export type StreamAction = 'read' | 'write' | 'delete';

export interface StreamCaller {
  account: Account;
  /** The user of a user token; null for a server (scope) token, which may act on every object. */
  userId: string | null;
}

/**
 * Authenticates as the getstream SDK sends it: `api_key` in the query picks the app, a bare JWT in
 * `Authorization` with `stream-auth-type: jwt`, HS256 over the app's API secret. An unknown key is
 * 401 (code 2, documented); a missing or bad token is 403 code 17, as the real service answers (§5.4).
 */
export async function authenticateStream(
  runtime: KilnRuntime,
  request: FastifyRequest,
  action: StreamAction,
): Promise<StreamCaller> {
  const apiKey = (request.query as Record<string, unknown>).api_key;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw streamError(401, 2, 'ApiKeyException', 'api_key is missing from the query string');
  }
  const account = await runtime.accounts.findByStreamApiKey(apiKey);
  if (!account) throw streamError(401, 2, 'ApiKeyException', 'api_key not found');
  identifiedAccount(request, account.id);

  const authType = request.headers['stream-auth-type'];
  const header = request.headers.authorization;
  if (authType !== 'jwt' || !header) throw notAllowed('Missing auth header.');
  const token = header.replace(/^Bearer\s+/i, '').trim();

  let claims: Record<string, unknown>;
  try {
    claims = await verifyHs256(token, await runtime.accounts.streamSecret(account.id));
  } catch (err) {
    if (isKilnError(err) && err.details.reason === 'expired') throw notAllowed('token is expired');
    throw badCredential('signature is invalid');
  }

  if (claims.resource !== undefined) {
    if (!allows(claims.resource, ['*', 'files']) || !allows(claims.action, ['*', action])) {
      throw notAllowed(`the token does not allow ${action} on files`);
    }
    return { account, userId: null };
  }
  if (typeof claims.user_id === 'string' && claims.user_id !== '') return { account, userId: claims.user_id };
  throw notAllowed('the token has neither a user_id nor a resource claim');
}

/** Scope claims are comma lists (the SDK's joinClaimValue); any listed value grants. */
function allows(claim: unknown, granted: string[]): boolean {
  if (typeof claim !== 'string') return false;
  return claim.split(',').some((value) => granted.includes(value.trim()));
}

/** User tokens may delete, process or refresh only what they uploaded (or processed); server tokens anything. */
export function assertOwner(caller: StreamCaller, ownerUserId: unknown): void {
  if (caller.userId === null || caller.userId === ownerUserId) return;
  throw notAllowed('You are not allowed to modify a file uploaded by another user');
}

/** Stream's 403 code 17 for a token that does not verify, marked as a failed authentication. */
function badCredential(detail: string): KilnError {
  return new KilnError('forbidden', detail, {
    status: 403,
    details: { stream: { code: 17, exception: 'NotAllowedException' }, authFailure: true },
  });
}
