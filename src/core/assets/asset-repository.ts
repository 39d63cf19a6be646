import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../../adapters/db/database.js';
import type { AssetsTable, DatabaseSchema } from '../../adapters/db/schema.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import type { Asset, AssetKind, AssetPatch, NewAsset } from './asset.js';
import type { AssetStatus } from './asset-status.js';

export interface ListAssetsQuery {
  accountId: string;
  kind?: AssetKind;
  source?: string;
  status?: AssetStatus;
  /** Case-insensitive substring of the original name or the id. */
  search?: string;
  createdAfter?: string;
  createdBefore?: string;
  ascending?: boolean;
  limit?: number;
  offset?: number;
  /** Keyset pagination: continue after this (created_at, id). */
  cursor?: { createdAt: string; id: string };
}

/** Rows of the one asset model. Every read is scoped to an account: no cross-account access. */
export class AssetRepository {
  constructor(private readonly db: Db) {}

  async create(input: NewAsset): Promise<Asset> {
    const now = new Date().toISOString();
    const row: AssetsTable = {
      id: input.id ?? randomUUID(),
      account_id: input.accountId,
      kind: input.kind,
      status: input.status ?? 'ready',
      blob_key: input.blobKey ?? null,
      size: input.size ?? 0,
      content_type: input.contentType ?? 'application/octet-stream',
      sha256: input.sha256 ?? null,
      original_name: input.originalName ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      stored: input.stored === false ? 0 : 1,
      expires_at: input.expiresAt ?? null,
      width: input.width ?? null,
      height: input.height ?? null,
      duration_seconds: input.durationSeconds ?? null,
      source: input.source,
      extra: JSON.stringify(input.extra ?? {}),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    try {
      await this.db.insertInto('assets').values(row).execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message)))
        throw errors.conflict('An asset with this id already exists');
      throw err;
    }
    return toAsset(row);
  }

  async get(accountId: string, id: string): Promise<Asset> {
    const asset = await this.find(accountId, id);
    if (!asset) throw errors.notFound('Asset');
    return asset;
  }

  async find(accountId: string, id: string): Promise<Asset | null> {
    const row = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toAsset(row) : null;
  }

  /** Which of these ids have a row, in any state (soft-deleted rows still own their blobs until purged). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('assets').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  /** By id alone, for delivery paths whose URL is itself the credential (signed links). */
  async findAnyAccount(id: string): Promise<Asset | null> {
    const row = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toAsset(row) : null;
  }

  async list(q: ListAssetsQuery): Promise<Asset[]> {
    let query = this.db
      .selectFrom('assets')
      .selectAll()
      .where('account_id', '=', q.accountId)
      .where('deleted_at', 'is', null);
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.source) query = query.where('source', '=', q.source);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.createdAfter) query = query.where('created_at', '>', q.createdAfter);
    if (q.createdBefore) query = query.where('created_at', '<', q.createdBefore);
    if (q.search) query = query.where(searchClause(q.search));
    const dir = q.ascending ? 'asc' : 'desc';
    if (q.cursor) {
      const { createdAt, id } = q.cursor;
      const op = q.ascending ? '>' : '<';
      query = query.where((eb) =>
        eb.or([
          eb('created_at', op, createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', op, id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', dir)
      .orderBy('id', dir)
      .limit(Math.min(Math.max(q.limit ?? 50, 1), 1000))
      .offset(q.offset ?? 0)
      .execute();
    return rows.map(toAsset);
  }

  async count(
    q: Pick<ListAssetsQuery, 'accountId' | 'kind' | 'source' | 'status' | 'search'>,
  ): Promise<number> {
    let query = this.db
      .selectFrom('assets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', q.accountId)
      .where('deleted_at', 'is', null);
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.source) query = query.where('source', '=', q.source);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.search) query = query.where(searchClause(q.search));
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(accountId: string, id: string, patch: AssetPatch): Promise<Asset> {
    const res = await this.db
      .updateTable('assets')
      .set(columnsOf(patch))
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw errors.notFound('Asset');
    return this.get(accountId, id);
  }

  /**
   * Merges `patch` into `extra` as the row holds it when the write lands, with the other fields of
   * `rest` set as given. Compare-and-swap on the stored JSON, retried: a transcode's progress on a
   * worker and an edit on an API node never undo each other (a plain read-merge-write could).
   */
  async mergeExtra(
    accountId: string,
    id: string,
    patch: Record<string, unknown>,
    rest: Omit<AssetPatch, 'extra'> = {},
  ): Promise<Asset> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const row = await this.db
        .selectFrom('assets')
        .select('extra')
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw errors.notFound('Asset');
      const extra = { ...(JSON.parse(row.extra) as Record<string, unknown>), ...patch };
      const res = await this.db
        .updateTable('assets')
        .set(columnsOf({ ...rest, extra }))
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .where('extra', '=', row.extra)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) return this.get(accountId, id);
    }
    throw new KilnError('unavailable', 'The asset is being changed too often, retry shortly', {
      retryAfter: 1,
    });
  }

  /**
   * The one compare-and-set of an upload session (a Stream direct creator upload, an Images direct
   * upload, an Uploadcare multipart completion): moves the row from `from` to `to`, and through
   * `extra` changes its facts, only if it is still in `from` with the very facts this call read.
   * Of two simultaneous claims the database lets exactly one UPDATE match (SQLite serialises
   * writers; PostgreSQL re-checks the WHERE on the locked row). Returns the row as written, or
   * null when this call lost, the row is gone, or `extra` refused the facts (returned null).
   */
  async transition(
    id: string,
    change: {
      from: AssetStatus;
      to: AssetStatus;
      accountId?: string;
      extra?: (extra: Record<string, unknown>) => Record<string, unknown> | null;
    },
  ): Promise<Asset | null> {
    let read = this.db
      .selectFrom('assets')
      .select(['status', 'extra', 'account_id'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null);
    if (change.accountId) read = read.where('account_id', '=', change.accountId);
    const row = await read.executeTakeFirst();
    if (!row || row.status !== change.from) return null;
    const extra = change.extra ? change.extra(JSON.parse(row.extra) as Record<string, unknown>) : undefined;
    if (extra === null) return null;
    const res = await this.db
      .updateTable('assets')
      .set(columnsOf({ status: change.to, ...(extra ? { extra } : {}) }))
      .where('id', '=', id)
      .where('status', '=', change.from)
      .where('extra', '=', row.extra)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return null;
    return this.get(row.account_id, id);
  }

  /** Marks deleted; returns false if it was not there. The purge job removes bytes and the row. */
  async softDelete(accountId: string, id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('assets')
      .set({ deleted_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Removes the row for good (after its bytes are gone). */
  async purge(id: string): Promise<void> {
    await this.db.deleteFrom('assets').where('id', '=', id).execute();
  }

  /** Temporary assets whose time is up, for the expiry job. */
  async expired(now: string, limit = 100): Promise<Asset[]> {
    const rows = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .limit(limit)
      .execute();
    return rows.map(toAsset);
  }

  /** Originals plus renditions: what counts against the account's storage. */
  async storedBytes(accountId: string): Promise<number> {
    const a = await this.db
      .selectFrom('assets')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('n'))
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    const r = await this.db
      .selectFrom('renditions')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(a.n) + Number(r.n);
  }
}

/** Name or id contains the text (case-insensitive; LIKE wildcards in it are literal). */
function searchClause(search: string) {
  const needle = `%${search.toLowerCase().replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
  return (eb: ExpressionBuilder<DatabaseSchema, 'assets'>) =>
    eb.or([
      eb(sql`lower(coalesce(original_name, ''))`, 'like', sql`${needle} escape '\\'`),
      eb(sql`lower(id)`, 'like', sql`${needle} escape '\\'`),
    ]);
}

export function toAsset(row: AssetsTable): Asset {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    status: row.status as AssetStatus,
    blobKey: row.blob_key,
    size: Number(row.size),
    contentType: row.content_type,
    sha256: row.sha256,
    originalName: row.original_name,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    stored: row.stored === 1,
    expiresAt: row.expires_at,
    width: row.width,
    height: row.height,
    durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
    source: row.source,
    extra: JSON.parse(row.extra) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns an AssetPatch sets (and updated_at). */
function columnsOf(patch: AssetPatch): Partial<AssetsTable> {
  const set: Partial<AssetsTable> = { updated_at: new Date().toISOString() };
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.kind !== undefined) set.kind = patch.kind;
  if (patch.blobKey !== undefined) set.blob_key = patch.blobKey;
  if (patch.size !== undefined) set.size = patch.size;
  if (patch.contentType !== undefined) set.content_type = patch.contentType;
  if (patch.sha256 !== undefined) set.sha256 = patch.sha256;
  if (patch.originalName !== undefined) set.original_name = patch.originalName;
  if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata);
  if (patch.stored !== undefined) set.stored = patch.stored ? 1 : 0;
  if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt;
  if (patch.width !== undefined) set.width = patch.width;
  if (patch.height !== undefined) set.height = patch.height;
  if (patch.durationSeconds !== undefined) set.duration_seconds = patch.durationSeconds;
  if (patch.extra !== undefined) set.extra = JSON.stringify(patch.extra);
  return set;
}
