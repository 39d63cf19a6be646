import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KilnError } from '../errors/kiln-error.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets that must be kept usable (HMAC signing keys, webhook secrets) for storage in the
 * database: AES-256-GCM under the server's master key, a random 12-byte IV per message, and the
 * string form `v1.<iv>.<tag>.<ciphertext>` (base64url parts; the version lets us change algorithm
 * or key later). An optional `context` (say `account:<id>:images-key`) is bound as associated
 * data, so a ciphertext copied into another row or column does not decrypt there.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32)
      throw new TypeError(`SecretBox needs a 32-byte key, got ${masterKey.length}`);
    this.key = Buffer.from(masterKey);
  }

  encrypt(plaintext: string | Buffer, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws KilnError internal if the box is malformed, tampered with, or sealed under another key or context. */
  decrypt(box: string, context = ''): Buffer {
    const parts = box.split('.');
    if (
      parts.length !== 4 ||
      parts[0] !== VERSION ||
      parts.slice(1).some((p) => !/^[A-Za-z0-9_-]*$/.test(p))
    ) {
      throw unreadable('unknown format');
    }
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable('unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (err) {
      throw unreadable('authentication failed (wrong master key, wrong context or tampered data)', err);
    }
  }

  decryptString(box: string, context = ''): string {
    return this.decrypt(box, context).toString('utf8');
  }
}

/** A stored secret we cannot read is our fault (a 500), never the client's. */
function unreadable(why: string, cause?: unknown): KilnError {
  return new KilnError('internal', `Encrypted secret could not be decrypted: ${why}`, { cause });
}
