/**
 * imgproxy's URL signature: base64url (no padding) of HMAC-SHA256(key, salt || path), where the
 * path is everything after the signature segment, with its leading slash. imgproxy may truncate the
 * signature to its first N bytes (IMGPROXY_SIGNATURE_SIZE); Kiln's KILN_IMGPROXY_SIGNATURE_SIZE.
 * Verification compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ImgproxyKeyPair {
  /** Hex, as imgproxy's IMGPROXY_KEY. */
  key: string;
  /** Hex, as imgproxy's IMGPROXY_SALT. */
  salt: string;
}

export function signImgproxyPath(path: string, pair: ImgproxyKeyPair, size = 32): string {
  const mac = createHmac('sha256', Buffer.from(pair.key, 'hex'));
  mac.update(Buffer.from(pair.salt, 'hex'));
  mac.update(path);
  return mac.digest().subarray(0, size).toString('base64url');
}

/** True when `signature` is the signature of `path` under the pair, truncated to `size` bytes. */
export function verifyImgproxySignature(
  signature: string,
  path: string,
  pair: ImgproxyKeyPair,
  size = 32,
): boolean {
  const expected = Buffer.from(signImgproxyPath(path, pair, size));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
