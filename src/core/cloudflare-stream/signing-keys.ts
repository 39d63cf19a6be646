import { createPrivateKey, generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../../adapters/db/database.js';
import { KilnError } from '../errors/kiln-error.js';
import type { SecretBox } from '../signing/secret-box.js';

const generate = promisify(generateKeyPair);
export const MAX_SIGNING_KEYS = 1000;

export interface CreatedSigningKey {
  id: string;
  created: string;
  /** base64 of the PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), as Cloudflare returns it. */
  pem: string;
  /** base64 of the private JWK (kid, alg RS256, use sig). */
  jwk: string;
}

/**
 * RSA signing keys of Stream accounts (for self-signed playback tokens). The private key is
 * handed out once at creation and otherwise kept only sealed by the SecretBox; the `internal` key
 * per account signs the tokens of the `/token` endpoint.
 */
export class SigningKeys {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async create(accountId: string, internal = false): Promise<CreatedSigningKey> {
    if (!internal) {
      const n = await this.db
        .selectFrom('stream_signing_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('internal', '=', 0)
        .executeTakeFirstOrThrow();
      if (Number(n.n) >= MAX_SIGNING_KEYS) {
        throw new KilnError('limit_exceeded', `An account can have at most ${MAX_SIGNING_KEYS} signing keys`);
      }
    }
    const id = randomBytes(16).toString('hex');
    const { publicKey, privateKey } = await generate('rsa', { modulusLength: 2048 });
    const created = new Date().toISOString();
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await this.db
      .insertInto('stream_signing_keys')
      .values({
        id,
        account_id: accountId,
        public_jwk: JSON.stringify({
          ...publicKey.export({ format: 'jwk' }),
          kid: id,
          alg: 'RS256',
          use: 'sig',
        }),
        private_enc: this.box.encrypt(pkcs8, `stream-key:${id}`),
        internal: internal ? 1 : 0,
        created_at: created,
      })
      .execute();
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: id, alg: 'RS256', use: 'sig' };
    return {
      id,
      created,
      pem: Buffer.from(pem).toString('base64'),
      jwk: Buffer.from(JSON.stringify(jwk)).toString('base64'),
    };
  }

  async list(accountId: string): Promise<Array<{ id: string; created: string }>> {
    const rows = await this.db
      .selectFrom('stream_signing_keys')
      .select(['id', 'created_at'])
      .where('account_id', '=', accountId)
      .where('internal', '=', 0)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, created: r.created_at }));
  }

  async delete(accountId: string, id: string): Promise<void> {
    const res = await this.db
      .deleteFrom('stream_signing_keys')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('internal', '=', 0)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) {
      throw new KilnError('not_found', `Signing key ${id} not found`);
    }
  }

  /** A live key by id (any account: the caller checks it owns the video), or null. */
  async publicKey(id: string): Promise<{ accountId: string; jwk: Record<string, unknown> } | null> {
    if (!/^[0-9a-f]{32}$/.test(id)) return null;
    const row = await this.db
      .selectFrom('stream_signing_keys')
      .select(['public_jwk', 'account_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row
      ? { accountId: row.account_id, jwk: JSON.parse(row.public_jwk) as Record<string, unknown> }
      : null;
  }

  async exists(accountId: string, id: string): Promise<boolean> {
    const key = await this.publicKey(id);
    return key?.accountId === accountId;
  }

  /** The account's internal key (created on first use): id and PKCS#8 PEM. */
  async internalKey(accountId: string): Promise<{ id: string; pem: string }> {
    const find = () =>
      this.db
        .selectFrom('stream_signing_keys')
        .select(['id', 'private_enc'])
        .where('account_id', '=', accountId)
        .where('internal', '=', 1)
        .orderBy('created_at')
        .executeTakeFirst();
    let row = await find();
    if (!row) {
      await this.create(accountId, true);
      row = await find();
    }
    if (!row) throw new KilnError('internal', 'internal signing key missing');
    return { id: row.id, pem: this.box.decryptString(row.private_enc, `stream-key:${row.id}`) };
  }
}

/** A PEM given to `/token` (base64 of PKCS#1 or PKCS#8, or the PEM itself) as PKCS#8 PEM. */
export function pemToPkcs8(input: string): string {
  const text = input.includes('-----BEGIN') ? input : Buffer.from(input, 'base64').toString('utf8');
  try {
    return createPrivateKey(text).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    throw new KilnError('invalid_input', 'pem is not a valid RSA private key');
  }
}
