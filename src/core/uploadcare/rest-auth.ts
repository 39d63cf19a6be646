import { createHash, createHmac } from 'node:crypto';
import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account-service.js';
import { constantTimeEqual } from '../signing/tokens.js';
import { restError } from './rest-error.js';

/** The parts of a request the `Uploadcare` scheme signs (spec: securitySchemes.Uploadcare). */
export interface RestRequestFacts {
  method: string;
  /** Path and query exactly as sent (the request line). */
  uri: string;
  contentType: string;
  /** The raw body ('' for none). */
  body: string;
  authorization: string | undefined;
  /** `Date`, or `X-Uploadcare-Date` (what @uploadcare/rest-client sends). */
  date: string | undefined;
}

/** The Date of a signed request may be this far from the server's clock, either way. */
export const MAX_DATE_SKEW_MS = 15 * 60 * 1000;

const BAD_CREDENTIALS = 'Incorrect authentication credentials.';
const BAD_SIGNATURE = 'Invalid signature. Please check your Secret key.';

/** True for the two schemes of the REST API (how requests at the origin's root are told apart). */
export function isRestAuthorization(value: string | undefined): boolean {
  return typeof value === 'string' && /^Uploadcare(\.Simple)?\s+\S/.test(value);
}

/**
 * Authenticates a REST API request: `Uploadcare.Simple <pub>:<secret>` or
 * `Uploadcare <pub>:<hex HMAC-SHA1(secret, method \n md5(body) \n content-type \n date \n uri)>`,
 * the Date within 15 minutes of now. Every refusal is a 401 in the API's words; secrets and
 * signatures are compared in constant time. A request replayed unchanged within the window is
 * accepted, as by Uploadcare: the official client resends the same signed request on 429.
 */
export async function authenticateRestRequest(
  accounts: AccountService,
  req: RestRequestFacts,
  now = Date.now(),
): Promise<Account> {
  const m = /^(Uploadcare|Uploadcare\.Simple)\s+([^:\s]+):(\S+)$/.exec(req.authorization?.trim() ?? '');
  if (!m) throw restError(401, BAD_CREDENTIALS);
  const [, scheme, publicKey, proof] = m as unknown as [string, string, string, string];
  const account = publicKey.length <= 200 ? await accounts.findByUploadcarePublicKey(publicKey) : null;
  if (!account) throw restError(401, `Public key ${publicKey} not found.`);
  const secret = await accounts.uploadcareSecret(account.id);
  if (scheme === 'Uploadcare.Simple') {
    if (!constantTimeEqual(secret, proof)) throw restError(401, BAD_CREDENTIALS);
    return account;
  }
  const when = req.date ? Date.parse(req.date) : Number.NaN;
  if (!Number.isFinite(when)) throw restError(401, 'Date header is required and must be an RFC 2822 date.');
  if (Math.abs(now - when) > MAX_DATE_SKEW_MS)
    throw restError(401, 'Date header is more than 15 minutes away from the server time.');
  const expected = restSignature(secret, { ...req, date: req.date! });
  if (!constantTimeEqual(expected, proof.toLowerCase())) throw restError(401, BAD_SIGNATURE);
  return account;
}

/** The signature the `Uploadcare` scheme expects (hex HMAC-SHA1 of the five lines). */
export function restSignature(
  secret: string,
  req: Pick<RestRequestFacts, 'method' | 'uri' | 'contentType' | 'body'> & { date: string },
): string {
  const md5 = createHash('md5').update(req.body).digest('hex');
  const signString = [req.method.toUpperCase(), md5, req.contentType, req.date, req.uri].join('\n');
  return createHmac('sha1', secret).update(signString).digest('hex');
}
