import type { Db } from '../../adapters/db/database.js';
import type { Asset } from '../assets/asset.js';
import { toAsset } from '../assets/asset-repository.js';
import { errors, KilnError } from '../errors/kiln-error.js';

/** A Cloudflare image: its account-scoped id, creator, and the shared asset behind it. */
export interface CfImage {
  imageId: string;
  creator: string | null;
  asset: Asset;
}

export interface ListImagesQuery {
  creator?: string | null;
  limit: number;
  offset?: number;
  ascending?: boolean;
  /** Keyset continuation: after this (created_at, image_id). */
  after?: { createdAt: string; imageId: string };
}

/**
 * The id mapping of Cloudflare Images. Cloudflare ids are unique per account and may be custom
 * (with `/`), while Asset.id is global; so every image gets a fresh UUID asset and a row
 * (account_id, image_id) -> asset_id here. The primary key makes a duplicate custom id a clean
 * conflict, checked before the asset row is written.
 */
export class CfImageIds {
  constructor(private readonly db: Db) {}

  /**
   * Claims `imageId` for `assetId` (run it in the transaction that creates the asset). A mapping left
   * behind by a deleted asset is taken over; a live one is a conflict. Checked first and then
   * guarded by the primary key, so a race between two uploads also ends in a clean conflict.
   */
  async reserve(accountId: string, imageId: string, assetId: string, creator: string | null): Promise<void> {
    const existing = await this.db
      .selectFrom('cf_images')
      .leftJoin('assets', 'assets.id', 'cf_images.asset_id')
      .select(['cf_images.asset_id', 'assets.deleted_at', 'assets.id as live_id'])
      .where('cf_images.account_id', '=', accountId)
      .where('cf_images.image_id', '=', imageId)
      .executeTakeFirst();
    if (existing && existing.live_id !== null && existing.deleted_at === null) throw conflict(imageId);
    if (existing) await this.release(accountId, imageId);
    try {
      await this.db
        .insertInto('cf_images')
        .values({
          account_id: accountId,
          image_id: imageId,
          asset_id: assetId,
          creator,
          created_at: new Date().toISOString(),
        })
        .execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message))) throw conflict(imageId);
      throw err;
    }
  }

  /** Fails fast with a conflict when a live image already has this id (before any bytes move). */
  async assertFree(accountId: string, imageId: string): Promise<void> {
    if (await this.find(accountId, imageId)) throw conflict(imageId);
  }

  async release(accountId: string, imageId: string): Promise<void> {
    await this.db
      .deleteFrom('cf_images')
      .where('account_id', '=', accountId)
      .where('image_id', '=', imageId)
      .execute();
  }

  async find(accountId: string, imageId: string): Promise<CfImage | null> {
    const row = await this.live(accountId).where('cf_images.image_id', '=', imageId).executeTakeFirst();
    return row ? toCfImage(row) : null;
  }

  async get(accountId: string, imageId: string): Promise<CfImage> {
    const image = await this.find(accountId, imageId);
    if (!image) throw errors.notFound('Image');
    return image;
  }

  async setCreator(accountId: string, imageId: string, creator: string | null): Promise<void> {
    await this.db
      .updateTable('cf_images')
      .set({ creator })
      .where('account_id', '=', accountId)
      .where('image_id', '=', imageId)
      .execute();
  }

  /** Uploaded (non-draft) images, oldest or newest first. */
  async list(accountId: string, q: ListImagesQuery): Promise<CfImage[]> {
    let query = this.live(accountId).where('assets.status', '=', 'ready');
    if (q.creator !== undefined) {
      query = q.creator
        ? query.where('cf_images.creator', '=', q.creator)
        : query.where('cf_images.creator', 'is', null);
    }
    const dir = q.ascending ? 'asc' : 'desc';
    if (q.after) {
      const { createdAt, imageId } = q.after;
      const op = q.ascending ? '>' : '<';
      query = query.where((eb) =>
        eb.or([
          eb('assets.created_at', op, createdAt),
          eb.and([eb('assets.created_at', '=', createdAt), eb('cf_images.image_id', op, imageId)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('assets.created_at', dir)
      .orderBy('cf_images.image_id', dir)
      .limit(q.limit)
      .offset(q.offset ?? 0)
      .execute();
    return rows.map(toCfImage);
  }

  /** Images that count against the allowance: uploaded ones and pending drafts. */
  async count(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('cf_images')
      .innerJoin('assets', 'assets.id', 'cf_images.asset_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cf_images.account_id', '=', accountId)
      .where('assets.deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private live(accountId: string) {
    return this.db
      .selectFrom('cf_images')
      .innerJoin('assets', 'assets.id', 'cf_images.asset_id')
      .selectAll('assets')
      .select(['cf_images.image_id', 'cf_images.creator'])
      .where('cf_images.account_id', '=', accountId)
      .where('assets.deleted_at', 'is', null);
  }
}

function conflict(imageId: string): KilnError {
  return new KilnError('conflict', `An image with id "${imageId}" already exists`, {
    details: { cloudflareCode: 5409 },
  });
}

type Row = Parameters<typeof toAsset>[0] & { image_id: string; creator: string | null };

function toCfImage(row: Row): CfImage {
  return { imageId: row.image_id, creator: row.creator, asset: toAsset(row) };
}
