import type { Db } from '../../adapters/db/database.js';
import { errors } from '../errors/kiln-error.js';
import type { SecretBox } from '../signing/secret-box.js';
import { generateToken } from '../signing/tokens.js';

export interface SigningKey {
  name: string;
  value: string;
}

const NAME = /^[A-Za-z0-9_-]{1,20}$/;
const context = (accountId: string, name: string) => `cf-images-key:${accountId}:${name}`;

/**
 * Images signing keys. Values are HMAC secrets the server must use, so they are stored encrypted
 * (SecretBox, bound to account and name). Every account always has at least one key: `default`
 * is created on first use and again when the last key is deleted, as Cloudflare does.
 */
export class CfImageKeys {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async list(accountId: string): Promise<SigningKey[]> {
    let rows = await this.rows(accountId);
    if (rows.length === 0) {
      await this.write(accountId, 'default', true);
      rows = await this.rows(accountId);
    }
    return rows.map((r) => ({
      name: r.name,
      value: this.box.decryptString(r.value_enc, context(accountId, r.name)),
    }));
  }

  /** Creates the key, or rotates it to a fresh value if it exists. */
  async put(accountId: string, name: string): Promise<SigningKey[]> {
    if (!NAME.test(name)) throw errors.invalid('Key names are 1-20 characters: letters, digits, - and _');
    await this.list(accountId);
    await this.write(accountId, name, false);
    return this.list(accountId);
  }

  async delete(accountId: string, name: string): Promise<SigningKey[]> {
    const res = await this.db
      .deleteFrom('cf_image_keys')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw errors.notFound('Signing key');
    return this.list(accountId);
  }

  private rows(accountId: string) {
    return this.db
      .selectFrom('cf_image_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('name')
      .execute();
  }

  private async write(accountId: string, name: string, onlyIfMissing: boolean): Promise<void> {
    const value_enc = this.box.encrypt(generateToken(24), context(accountId, name));
    await this.db
      .insertInto('cf_image_keys')
      .values({ account_id: accountId, name, value_enc, created_at: new Date().toISOString() })
      .onConflict((oc) =>
        onlyIfMissing
          ? oc.columns(['account_id', 'name']).doNothing()
          : oc.columns(['account_id', 'name']).doUpdateSet({ value_enc }),
      )
      .execute();
  }
}
