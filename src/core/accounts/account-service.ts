import { randomBytes } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { AccountsTable } from '../../adapters/db/schema.js';
import { errors } from '../errors/kiln-error.js';
import type { SecretBox } from '../signing/secret-box.js';
import { constantTimeEqual, generateToken, hashToken } from '../signing/tokens.js';
import type { Account, AccountCredentials, AccountSettings } from './account.js';
import { type AccountLimit, parseLimits } from './account-limits.js';

/**
 * Accounts and their credentials. API tokens are stored as sha256 hashes; secrets that must sign
 * (Uploadcare secret key, Stream API secret) are stored encrypted with the server's master key.
 */
export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async create(name: string): Promise<AccountCredentials> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) throw errors.invalid('Account name must be 1-200 characters');
    const creds: AccountCredentials = {
      id: randomBytes(16).toString('hex'),
      name: trimmed,
      apiToken: generateToken(32),
      imagesHash: randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22),
      uploadcare: { publicKey: randomBytes(10).toString('hex'), secretKey: randomBytes(10).toString('hex') },
      stream: { apiKey: randomBytes(6).toString('hex'), apiSecret: generateToken(40) },
      imgproxy: { key: randomBytes(32).toString('hex'), salt: randomBytes(32).toString('hex') },
    };
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id: creds.id,
          name: creds.name,
          images_hash: creds.imagesHash,
          uc_public_key: creds.uploadcare.publicKey,
          uc_secret_enc: this.box.encrypt(creds.uploadcare.secretKey),
          stream_api_key: creds.stream.apiKey,
          stream_api_secret_enc: this.box.encrypt(creds.stream.apiSecret),
          settings: '{}',
          created_at: now,
          deleted_at: null,
        })
        .execute();
      await trx
        .insertInto('imgproxy_keys')
        .values({
          account_id: creds.id,
          key_enc: this.box.encrypt(creds.imgproxy.key, `account:${creds.id}:imgproxy-key`),
          salt_enc: this.box.encrypt(creds.imgproxy.salt, `account:${creds.id}:imgproxy-salt`),
          created_at: now,
        })
        .execute();
      await trx
        .insertInto('api_tokens')
        .values({
          token_hash: hashToken(creds.apiToken),
          account_id: creds.id,
          label: 'default',
          created_at: now,
        })
        .execute();
    });
    return creds;
  }

  async list(): Promise<Account[]> {
    const rows = await this.live().orderBy('created_at').execute();
    return rows.map(toAccount);
  }

  async get(id: string): Promise<Account> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw errors.notFound('Account');
    const row = await this.live().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('Account');
    return toAccount(row);
  }

  /** Soft delete: credentials stop working at once; a purge job removes the bytes. */
  async delete(id: string): Promise<void> {
    const res = await this.db
      .updateTable('accounts')
      .set({ deleted_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw errors.notFound('Account');
    await this.db.deleteFrom('api_tokens').where('account_id', '=', id).execute();
  }

  /** The account a Bearer token belongs to, or null. The lookup is by hash, so timing reveals nothing. */
  async authenticateToken(token: string): Promise<Account | null> {
    if (!token || token.length > 512) return null;
    const row = await this.live()
      .innerJoin('api_tokens', 'api_tokens.account_id', 'accounts.id')
      .where('api_tokens.token_hash', '=', hashToken(token))
      .selectAll('accounts')
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async findByImagesHash(hash: string): Promise<Account | null> {
    const row = await this.live().where('images_hash', '=', hash).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async findByUploadcarePublicKey(publicKey: string): Promise<Account | null> {
    const row = await this.live().where('uc_public_key', '=', publicKey).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async findByStreamApiKey(apiKey: string): Promise<Account | null> {
    const row = await this.live().where('stream_api_key', '=', apiKey).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async uploadcareSecret(accountId: string): Promise<string> {
    const row = await this.live()
      .where('id', '=', accountId)
      .select('uc_secret_enc')
      .executeTakeFirstOrThrow();
    return this.box.decryptString(row.uc_secret_enc);
  }

  async streamSecret(accountId: string): Promise<string> {
    const row = await this.live()
      .where('id', '=', accountId)
      .select('stream_api_secret_enc')
      .executeTakeFirstOrThrow();
    return this.box.decryptString(row.stream_api_secret_enc);
  }

  /** The account's imgproxy key and salt (hex), or null for an account made before they existed. */
  async imgproxyKeys(accountId: string): Promise<{ key: string; salt: string } | null> {
    const row = await this.db
      .selectFrom('imgproxy_keys')
      .select(['key_enc', 'salt_enc'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      key: this.box.decryptString(row.key_enc, `account:${accountId}:imgproxy-key`),
      salt: this.box.decryptString(row.salt_enc, `account:${accountId}:imgproxy-salt`),
    };
  }

  /** Checks a presented secret against the stored one in constant time. */
  async verifyUploadcareSecret(accountId: string, presented: string): Promise<boolean> {
    return constantTimeEqual(await this.uploadcareSecret(accountId), presented);
  }

  async updateSettings(accountId: string, patch: Partial<AccountSettings>): Promise<Account> {
    const account = await this.get(accountId);
    const settings = { ...account.settings, ...patch };
    await this.db
      .updateTable('accounts')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', accountId)
      .execute();
    return { ...account, settings };
  }

  /**
   * Sets the operator's limits of an account (`kiln accounts create|update`, the admin API): a
   * positive integer sets a limit, null removes it, an absent key keeps it. Returns the account.
   */
  async setLimits(accountId: string, patch: Partial<Record<AccountLimit, number | null>>): Promise<Account> {
    const limits = parseLimits(patch);
    const account = await this.get(accountId);
    const settings: AccountSettings = { ...account.settings };
    for (const [key, value] of Object.entries(limits)) {
      if (value === null) delete settings[key];
      else settings[key] = value;
    }
    await this.db
      .updateTable('accounts')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', accountId)
      .execute();
    return { ...account, settings };
  }

  private live() {
    return this.db.selectFrom('accounts').selectAll().where('accounts.deleted_at', 'is', null);
  }
}

function toAccount(row: AccountsTable): Account {
  return {
    id: row.id,
    name: row.name,
    imagesHash: row.images_hash,
    uploadcarePublicKey: row.uc_public_key,
    streamApiKey: row.stream_api_key,
    settings: JSON.parse(row.settings) as AccountSettings,
    createdAt: row.created_at,
  };
}
