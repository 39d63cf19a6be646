/**
 * The stored image variants of assets, as renditions of kind `variant`: recorded when rendered,
 * touched when served, counted against the per-asset and per-account caps, and evicted least
 * recently used first. A row whose `extra.addressed` is true is an object clients hold a link to
 * (a getstream processed image): eviction drops its bytes and keeps the row (size 0), so the link
 * renders it again from `extra.plan` when it is next fetched.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/database.js';
import type { RenditionsTable } from '../../adapters/db/schema.js';
import { VARIANT_KIND } from './variant-name.js';

export interface StoredVariant {
  assetId: string;
  accountId: string;
  name: string;
  blobKey: string;
  size: number;
  contentType: string;
}

export interface EvictionCandidate {
  id: string;
  assetId: string;
  blobKey: string;
  size: number;
  addressed: boolean;
}

export class VariantRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records (or refreshes) a stored variant. `extra` is written on insert; on update it replaces the
   * old one only when `replaceExtra` (so the first maker of a getstream variant stays its owner).
   */
  async record(v: StoredVariant, extra: Record<string, unknown>, replaceExtra: boolean): Promise<void> {
    const now = new Date().toISOString();
    const row: RenditionsTable = {
      id: randomUUID(),
      asset_id: v.assetId,
      account_id: v.accountId,
      kind: VARIANT_KIND,
      name: v.name,
      blob_key: v.blobKey,
      size: v.size,
      content_type: v.contentType,
      extra: JSON.stringify(extra),
      created_at: now,
      last_used_at: now,
    };
    await this.db
      .insertInto('renditions')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['asset_id', 'kind', 'name']).doUpdateSet({
          blob_key: row.blob_key,
          size: row.size,
          content_type: row.content_type,
          last_used_at: now,
          ...(replaceExtra ? { extra: row.extra } : {}),
        }),
      )
      .execute();
  }

  /** Writes last-use times in one transaction (rows evicted meanwhile are simply not found). */
  async touch(batch: Array<{ assetId: string; name: string; at: string }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const t of batch) {
        await trx
          .updateTable('renditions')
          .set({ last_used_at: t.at })
          .where('asset_id', '=', t.assetId)
          .where('kind', '=', VARIANT_KIND)
          .where('name', '=', t.name)
          .execute();
      }
    });
  }

  /** Variants with stored bytes of one asset. */
  async countForAsset(assetId: string): Promise<number> {
    const r = await this.stored()
      .where('asset_id', '=', assetId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Bytes of stored variants of one account. */
  async bytesForAccount(accountId: string): Promise<number> {
    const r = await this.stored()
      .where('account_id', '=', accountId)
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Assets of the account holding more than `cap` stored variants, with how many over. */
  async assetsOverCap(accountId: string, cap: number): Promise<Array<{ assetId: string; over: number }>> {
    const rows = await this.stored()
      .where('account_id', '=', accountId)
      .select(['asset_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('asset_id')
      .having((eb) => eb.fn.countAll(), '>', cap)
      .execute();
    return rows.map((r) => ({ assetId: r.asset_id, over: Number(r.n) - cap }));
  }

  /** Stored variants of an asset or an account, least recently used first. */
  async leastRecentlyUsed(
    scope: { assetId: string } | { accountId: string },
    limit: number,
  ): Promise<EvictionCandidate[]> {
    let q = this.stored();
    q =
      'assetId' in scope
        ? q.where('asset_id', '=', scope.assetId)
        : q.where('account_id', '=', scope.accountId);
    const rows = await q
      .select(['id', 'asset_id', 'blob_key', 'size', 'extra'])
      .orderBy(sql`coalesce(last_used_at, created_at)`)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      assetId: r.asset_id,
      blobKey: r.blob_key,
      size: Number(r.size),
      addressed: (JSON.parse(r.extra) as { addressed?: unknown }).addressed === true,
    }));
  }

  /** Forgets the stored bytes of a variant: the row goes, or for an addressed one, its size. */
  async forget(c: EvictionCandidate): Promise<void> {
    if (c.addressed)
      await this.db.updateTable('renditions').set({ size: 0 }).where('id', '=', c.id).execute();
    else await this.db.deleteFrom('renditions').where('id', '=', c.id).execute();
  }

  /** Distinct accounts with stored variants (for a sweep of all). */
  async accounts(): Promise<string[]> {
    const rows = await this.stored().select('account_id').distinct().execute();
    return rows.map((r) => r.account_id);
  }

  private stored() {
    return this.db.selectFrom('renditions').where('kind', '=', VARIANT_KIND).where('size', '>', 0);
  }
}
