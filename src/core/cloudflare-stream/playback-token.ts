import ipaddr from 'ipaddr.js';
import { compactVerify, decodeProtectedHeader, importJWK, importPKCS8, SignJWT } from 'jose';
import { KilnError } from '../errors/kiln-error.js';
import type { SigningKeys } from './signing-keys.js';
import { badRequest } from './stream-options.js';

/** One entry of `accessRules` (reference §5.6). */
export interface AccessRule {
  type: 'any' | 'ip.src' | 'ip.geoip.country';
  action: 'allow' | 'block';
  ip?: string[];
  country?: string[];
}

export interface PlaybackClaims {
  sub: string;
  kid: string;
  exp: number;
  nbf?: number;
  downloadable?: boolean;
  accessRules?: AccessRule[];
}

const MAX_TTL_S = 24 * 3600;

/** Validates `/token` options and signs an RS256 token (header and claims both carry kid). */
export async function signPlaybackToken(
  key: { id: string; pkcs8: string },
  uid: string,
  options: { exp?: unknown; nbf?: unknown; downloadable?: unknown; accessRules?: unknown },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const exp = options.exp === undefined ? now + 3600 : Number(options.exp);
  const nbf = options.nbf === undefined ? now - 3600 : Number(options.nbf);
  if (!Number.isInteger(exp) || exp <= now || exp > now + MAX_TTL_S) {
    throw badRequest('exp must be a unix time in the future, at most 24 hours ahead');
  }
  if (!Number.isInteger(nbf) || nbf >= exp) throw badRequest('nbf must be a unix time before exp');
  if (options.downloadable !== undefined && typeof options.downloadable !== 'boolean') {
    throw badRequest('downloadable must be a boolean');
  }
  const rules = parseAccessRules(options.accessRules);
  const claims: PlaybackClaims = { sub: uid, kid: key.id, exp, nbf };
  if (options.downloadable !== undefined) claims.downloadable = options.downloadable as boolean;
  if (rules) claims.accessRules = rules;
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.id })
    .sign(await importPKCS8(key.pkcs8, 'RS256'));
}

function parseAccessRules(value: unknown): AccessRule[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 5)
    throw badRequest('accessRules must be an array of at most 5 rules');
  return value.map((r: Record<string, unknown>) => {
    if (
      !r ||
      !['any', 'ip.src', 'ip.geoip.country'].includes(r.type as string) ||
      !['allow', 'block'].includes(r.action as string)
    ) {
      throw badRequest('each access rule needs type any|ip.src|ip.geoip.country and action allow|block');
    }
    if (r.type === 'ip.src') {
      if (!Array.isArray(r.ip) || r.ip.some((ip) => typeof ip !== 'string' || !validCidr(ip))) {
        throw badRequest('ip.src rules need ip: a list of addresses or CIDR ranges');
      }
    }
    if (
      r.type === 'ip.geoip.country' &&
      (!Array.isArray(r.country) || r.country.some((c) => !/^[A-Za-z]{2}$/.test(String(c))))
    ) {
      throw badRequest('ip.geoip.country rules need country: a list of ISO 3166-1 alpha-2 codes');
    }
    return r as unknown as AccessRule;
  });
}

/**
 * Verifies a playback token: kid among live keys (deleting a key revokes its tokens), RS256
 * signature, nbf <= now <= exp (numbers or numeric strings, as Cloudflare's examples carry),
 * then accessRules in order for the client address. Country rules never match: Kiln has no GeoIP.
 */
export async function verifyPlaybackToken(
  keys: SigningKeys,
  token: string,
  clientIp: string,
): Promise<{ uid: string; accountId: string; claims: PlaybackClaims }> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw denied('The signed URL token is malformed');
  }
  const key = kid ? await keys.publicKey(kid) : null;
  if (!key) throw denied('The signed URL token was signed by an unknown or revoked key');
  let claims: Record<string, unknown>;
  try {
    const { payload, protectedHeader } = await compactVerify(token, await importJWK(key.jwk, 'RS256'), {
      algorithms: ['RS256'],
    });
    void protectedHeader;
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    throw denied('The signed URL token signature is invalid');
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = Number(claims.exp);
  const nbf = claims.nbf === undefined ? undefined : Number(claims.nbf);
  if (!Number.isFinite(exp) || now > exp) throw denied('The signed URL token has expired');
  if (nbf !== undefined && (!Number.isFinite(nbf) || now < nbf))
    throw denied('The signed URL token is not valid yet');
  if (typeof claims.sub !== 'string') throw denied('The signed URL token names no video (sub)');
  const rules = Array.isArray(claims.accessRules) ? (claims.accessRules as AccessRule[]) : [];
  for (const rule of rules) {
    if (ruleMatches(rule, clientIp)) {
      if (rule.action === 'block')
        throw denied('The signed URL token does not allow this viewer (accessRules)');
      break;
    }
  }
  return {
    uid: claims.sub,
    accountId: key.accountId,
    claims: { ...(claims as unknown as PlaybackClaims), exp, nbf },
  };
}

function ruleMatches(rule: AccessRule, clientIp: string): boolean {
  if (rule.type === 'any') return true;
  if (rule.type !== 'ip.src') return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(clientIp);
  } catch {
    return false;
  }
  return (rule.ip ?? []).some((entry) => {
    try {
      const [range, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.process(entry), -1];
      if (range.kind() !== addr.kind()) return false;
      return bits < 0 ? range.toString() === addr.toString() : addr.match(range, bits);
    } catch {
      return false;
    }
  });
}

function validCidr(value: string): boolean {
  return value.includes('/') ? ipaddr.isValidCIDR(value) : ipaddr.isValid(value);
}

function denied(message: string): KilnError {
  return new KilnError('unauthorized', message, { status: 401 });
}
