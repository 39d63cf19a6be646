import type { Db } from '../../adapters/db/database.js';
import type { Account } from '../accounts/account.js';
import type { AccountService } from '../accounts/account-service.js';
import { errors, KilnError } from '../errors/kiln-error.js';

export const VARIANT_FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad'] as const;
export const VARIANT_METADATA = ['keep', 'copyright', 'none'] as const;

export interface VariantOptions {
  fit: (typeof VARIANT_FITS)[number];
  width: number;
  height: number;
  metadata: (typeof VARIANT_METADATA)[number];
}

/** Cloudflare's VariantDef (§3.2). */
export interface VariantDef {
  id: string;
  options: VariantOptions;
  neverRequireSignedURLs: boolean;
}

export const MAX_VARIANTS = 100;
/** Every account starts with `public`: scale-down within Cloudflare's largest side, i.e. the image as uploaded. */
const PUBLIC_VARIANT: VariantDef = {
  id: 'public',
  options: { fit: 'scale-down', width: 12_000, height: 12_000, metadata: 'none' },
  neverRequireSignedURLs: false,
};
const SEEDED = 'cfImagesVariantsSeeded';

/**
 * Named variants per account. `public` is created on the account's first use of Images (recorded
 * in its settings, so a user who deletes it does not see it come back).
 */
export class CfImageVariants {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountService,
  ) {}

  async list(account: Account): Promise<VariantDef[]> {
    await this.seed(account);
    const rows = await this.db
      .selectFrom('cf_image_variants')
      .selectAll()
      .where('account_id', '=', account.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toVariant);
  }

  async find(account: Account, id: string): Promise<VariantDef | null> {
    await this.seed(account);
    const row = await this.db
      .selectFrom('cf_image_variants')
      .selectAll()
      .where('account_id', '=', account.id)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toVariant(row) : null;
  }

  async get(account: Account, id: string): Promise<VariantDef> {
    const variant = await this.find(account, id);
    if (!variant) throw errors.notFound('Variant');
    return variant;
  }

  async create(account: Account, def: VariantDef): Promise<VariantDef> {
    const existing = await this.list(account);
    if (existing.some((v) => v.id === def.id)) {
      throw new KilnError('conflict', `Variant "${def.id}" already exists`, {
        details: { cloudflareCode: 5409 },
      });
    }
    if (existing.length >= MAX_VARIANTS) {
      throw new KilnError('limit_exceeded', `An account can have at most ${MAX_VARIANTS} variants`, {
        status: 400,
        details: { cloudflareCode: 5400 },
      });
    }
    const now = new Date().toISOString();
    try {
      await this.db
        .insertInto('cf_image_variants')
        .values({
          account_id: account.id,
          id: def.id,
          options: JSON.stringify(def.options),
          never_require_signed: def.neverRequireSignedURLs ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message))) {
        throw new KilnError('conflict', `Variant "${def.id}" already exists`, {
          details: { cloudflareCode: 5409 },
        });
      }
      throw err;
    }
    return def;
  }

  async update(
    account: Account,
    id: string,
    options: VariantOptions,
    neverRequireSigned?: boolean,
  ): Promise<VariantDef> {
    const current = await this.get(account, id);
    const next: VariantDef = {
      id,
      options,
      neverRequireSignedURLs: neverRequireSigned ?? current.neverRequireSignedURLs,
    };
    await this.db
      .updateTable('cf_image_variants')
      .set({
        options: JSON.stringify(next.options),
        never_require_signed: next.neverRequireSignedURLs ? 1 : 0,
        updated_at: new Date().toISOString(),
      })
      .where('account_id', '=', account.id)
      .where('id', '=', id)
      .execute();
    return next;
  }

  async delete(account: Account, id: string): Promise<void> {
    await this.seed(account);
    const res = await this.db
      .deleteFrom('cf_image_variants')
      .where('account_id', '=', account.id)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw errors.notFound('Variant');
  }

  private async seed(account: Account): Promise<void> {
    if (account.settings[SEEDED]) return;
    const now = new Date().toISOString();
    await this.db
      .insertInto('cf_image_variants')
      .values({
        account_id: account.id,
        id: PUBLIC_VARIANT.id,
        options: JSON.stringify(PUBLIC_VARIANT.options),
        never_require_signed: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['account_id', 'id']).doNothing())
      .execute();
    const updated = await this.accounts.updateSettings(account.id, { [SEEDED]: true });
    account.settings = updated.settings;
  }
}

function toVariant(row: { id: string; options: string; never_require_signed: number }): VariantDef {
  return {
    id: row.id,
    options: JSON.parse(row.options) as VariantOptions,
    neverRequireSignedURLs: row.never_require_signed === 1,
  };
}
