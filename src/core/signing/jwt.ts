import type { KeyObject } from 'node:crypto';
import {
  errors,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { KilnError } from '../errors/kiln-error.js';

/**
 * Thin helpers on `jose` for the two token shapes Kiln meets: HS256 (shared secret) and RS256
 * (Cloudflare Stream signing keys, given as JWK or PEM). Each verifier pins its algorithm, so a token
 * cannot pick `none` or switch HS/RS on us. Failures are KilnError unauthorized (401) whose message
 * and `details.reason` tell expired, bad signature, claim and malformed tokens apart.
 */
export type { JWK, JWTPayload };
export type HmacSecret = string | Uint8Array;
export type RsaKeyInput = JWK | string | KeyObject;

export interface JwtSignOptions {
  /** Seconds from now, or a jose time span like '2h'. */
  expiresIn?: number | string;
  issuer?: string;
  audience?: string | string[];
  subject?: string;
  keyId?: string;
}

export interface JwtVerifyOptions {
  issuer?: string | string[];
  audience?: string | string[];
  subject?: string;
  /** Allowed clock skew for exp/nbf, in seconds. */
  clockToleranceSeconds?: number;
  /** Reject tokens without an `exp` claim. */
  requireExpiry?: boolean;
}

export type JwtFailureReason =
  | 'expired'
  | 'bad_signature'
  | 'claim_invalid'
  | 'alg_not_allowed'
  | 'malformed';

export function signHs256(
  payload: JWTPayload,
  secret: HmacSecret,
  options: JwtSignOptions = {},
): Promise<string> {
  return build(payload, 'HS256', options).sign(hmacKey(secret));
}

export function verifyHs256(
  token: string,
  secret: HmacSecret,
  options: JwtVerifyOptions = {},
): Promise<JWTPayload> {
  return verify(token, hmacKey(secret), 'HS256', options);
}

/** Private key as JWK (with `d`), PKCS#8 PEM, or KeyObject. */
export async function signRs256(payload: JWTPayload, privateKey: RsaKeyInput, options: JwtSignOptions = {}) {
  const key =
    typeof privateKey === 'string'
      ? await importPKCS8(privateKey, 'RS256')
      : isJwk(privateKey)
        ? await importJWK(privateKey, 'RS256')
        : privateKey;
  return build(payload, 'RS256', options).sign(key);
}

/** Public key as JWK (private members are ignored, so a full key pair JWK works too), SPKI PEM, or KeyObject. */
export async function verifyRs256(token: string, publicKey: RsaKeyInput, options: JwtVerifyOptions = {}) {
  const key =
    typeof publicKey === 'string'
      ? await importSPKI(publicKey, 'RS256')
      : isJwk(publicKey)
        ? await importJWK(publicOnly(publicKey), 'RS256')
        : publicKey;
  return verify(token, key, 'RS256', options);
}

function build(payload: JWTPayload, alg: 'HS256' | 'RS256', options: JwtSignOptions): SignJWT {
  const jwt = new SignJWT(payload).setProtectedHeader({
    alg,
    typ: 'JWT',
    ...(options.keyId && { kid: options.keyId }),
  });
  if (payload.iat === undefined) jwt.setIssuedAt();
  if (options.expiresIn !== undefined) {
    jwt.setExpirationTime(
      typeof options.expiresIn === 'number'
        ? Math.floor(Date.now() / 1000) + options.expiresIn
        : options.expiresIn,
    );
  }
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  if (options.subject) jwt.setSubject(options.subject);
  return jwt;
}

async function verify(
  token: string,
  key: Uint8Array | KeyObject | CryptoKey,
  alg: 'HS256' | 'RS256',
  options: JwtVerifyOptions,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [alg],
      issuer: options.issuer,
      audience: options.audience,
      subject: options.subject,
      clockTolerance: options.clockToleranceSeconds,
      requiredClaims: options.requireExpiry ? ['exp'] : undefined,
    });
    return payload;
  } catch (err) {
    throw toUnauthorized(err);
  }
}

function toUnauthorized(err: unknown): KilnError {
  const [reason, message]: [JwtFailureReason, string] =
    err instanceof errors.JWTExpired
      ? ['expired', 'Token has expired']
      : err instanceof errors.JWSSignatureVerificationFailed
        ? ['bad_signature', 'Token signature is invalid']
        : err instanceof errors.JWTClaimValidationFailed
          ? ['claim_invalid', `Token claim "${err.claim}" is invalid (${err.reason})`]
          : err instanceof errors.JOSEAlgNotAllowed
            ? ['alg_not_allowed', 'Token algorithm is not allowed']
            : ['malformed', 'Token is malformed'];
  return new KilnError('unauthorized', message, { cause: err, details: { reason } });
}

function hmacKey(secret: HmacSecret): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}

function isJwk(key: RsaKeyInput): key is JWK {
  return typeof key === 'object' && key !== null && 'kty' in key;
}

function publicOnly({ d, p, q, dp, dq, qi, ...pub }: JWK): JWK {
  return pub;
}
