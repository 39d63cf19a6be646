import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret token: base64url (A-Z a-z 0-9 - _), so never a `.`; 32 bytes give 43 characters. */
export function generateToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** How API tokens are stored: sha256 hex. Tokens are random and long, so no slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Constant-time string equality that also hides the length: both sides are hashed to 32 bytes
 * first, because timingSafeEqual throws on (and so reveals) unequal lengths.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a === b;
}
