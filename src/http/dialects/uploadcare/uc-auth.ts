import { createHmac } from 'node:crypto';
import type { Account } from '../../../core/accounts/account.js';
import { KilnError } from '../../../core/errors/kiln-error.js';
import type { TokenBucketLimiter } from '../../../core/limits/token-bucket.js';
import { constantTimeEqual } from '../../../core/signing/tokens.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { ucError, ucMessage } from './uc-errors.js';
import type { UcParams } from './uc-params.js';

/** The parameter the public key travels in: `UPLOADCARE_PUB_KEY` on base/multipart, else `pub_key`. */
export type PubKeyName = 'UPLOADCARE_PUB_KEY' | 'pub_key';

/**
 * The project behind a call: its public key (either parameter name is accepted; errors name the
 * endpoint's own), then the account's request budget (RequestThrottledError + Retry-After).
 */
export async function authenticate(
  runtime: KilnRuntime,
  limiter: TokenBucketLimiter,
  params: UcParams,
  keyName: PubKeyName,
): Promise<Account> {
  const key = params.get(keyName) ?? params.get(keyName === 'pub_key' ? 'UPLOADCARE_PUB_KEY' : 'pub_key');
  if (!key) throw ucError('ProjectPublicKeyRequiredError', keyName);
  const account = key.length <= 200 ? await runtime.accounts.findByUploadcarePublicKey(key) : null;
  if (!account) throw ucError('ProjectPublicKeyInvalidError', keyName);
  const rate =
    numberSetting(account.settings.uploadRequestsPerSecond) ?? runtime.config.uploadcareRequestsPerSecond;
  const taken = limiter.take(account.id, rate);
  if (!taken.allowed) {
    throw new KilnError('rate_limited', ucMessage('RequestThrottledError'), {
      status: 429,
      retryAfter: taken.retryAfterSeconds,
      details: { ucCode: 'RequestThrottledError' },
    });
  }
  return account;
}

/** Unix seconds past this are milliseconds sent by mistake (year 2286+): "must be a UNIX timestamp". */
const MAX_EXPIRE = 9_999_999_999;

/**
 * Signed uploads (reference §8): `signature` = hex HMAC-SHA256 of the `expire` string keyed with
 * the secret key. Required when the account has `signedUploads`; checked whenever one is sent.
 */
export async function checkSignature(
  runtime: KilnRuntime,
  account: Account,
  params: UcParams,
): Promise<void> {
  const signature = params.get('signature');
  const expire = params.get('expire');
  if (account.settings.signedUploads !== true && signature === undefined && expire === undefined) return;
  if (!signature) throw ucError('SignatureRequiredError');
  if (!expire) throw ucError('SignatureExpirationRequiredError');
  if (!/^\d{1,11}$/.test(expire) || Number(expire) > MAX_EXPIRE)
    throw ucError('SignatureExpirationInvalidError');
  if (Number(expire) < Math.floor(Date.now() / 1000)) throw ucError('SignatureExpirationError');
  const secret = await runtime.accounts.uploadcareSecret(account.id);
  const expected = createHmac('sha256', secret).update(expire).digest('hex');
  if (!constantTimeEqual(expected, signature.toLowerCase())) throw ucError('SignatureInvalidError');
}

function numberSetting(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}
