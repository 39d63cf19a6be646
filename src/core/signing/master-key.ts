import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../config/config.js';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';

/**
 * The server's 32-byte master key (for SecretBox): from KILN_MASTER_KEY when set (64 hex characters,
 * or base64/base64url of 32 bytes), else from `<dataDir>/master.key`, created on first start with
 * mode 0600. Several nodes sharing a database must share the key: set KILN_MASTER_KEY on each.
 *
 * Creation is race-safe: the key is written and fsynced to a private temp file, then hard-linked to
 * its final name, which fails with EEXIST if another process won; the loser then reads the winner's
 * key. (A plain `open(..., 'wx')` would let the loser read a file whose bytes are not written yet.)
 */
export async function loadOrCreateMasterKey(options: {
  masterKey?: string;
  dataDir: string;
}): Promise<Buffer> {
  if (options.masterKey !== undefined && options.masterKey !== '') return parseMasterKey(options.masterKey);
  const path = join(options.dataDir, MASTER_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return existing;

  await mkdir(options.dataDir, { recursive: true });
  const key = randomBytes(MASTER_KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readKeyFile(path))!;
  } finally {
    await unlink(temp);
  }
}

/** Hex (64 characters) or base64 / base64url (of exactly 32 bytes). */
export function parseMasterKey(value: string): Buffer {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const decoded = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
    if (decoded.length === MASTER_KEY_BYTES) return decoded;
    throw new ConfigError(
      `Invalid value for KILN_MASTER_KEY: must be ${MASTER_KEY_BYTES} bytes, hex (64 characters) or base64 ` +
        `(44 characters); it decodes to ${decoded.length} bytes`,
    );
  }
  throw new ConfigError(
    `Invalid value for KILN_MASTER_KEY: must be ${MASTER_KEY_BYTES} bytes, hex (64 characters) or base64 (44 characters)`,
  );
}

async function readKeyFile(path: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (!/^[0-9a-f]{64}\s*$/.test(text)) {
    throw new ConfigError(
      `${path} is not a valid master key (expected 64 hex characters); restore it from backup`,
    );
  }
  return Buffer.from(text.trim(), 'hex');
}
