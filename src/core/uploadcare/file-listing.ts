import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Db } from '../../adapters/db/database.js';
import type { AssetsTable, DatabaseSchema } from '../../adapters/db/schema.js';
import type { Asset } from '../assets/asset.js';
import { toAsset } from '../assets/asset-repository.js';
import { UPLOADCARE_SOURCE } from './file-management.js';

export interface FileListQuery {
  accountId: string;
  /** true: stored only; false: temporary only; undefined: both. */
  stored?: boolean;
  /** true: removed files only (until their rows are purged); false: live files. */
  removed: boolean;
  limit: number;
  descending: boolean;
  /** Exclusive starting point (an upload time) in the list's order. */
  from?: string;
}

export interface ListedFile {
  asset: Asset;
  removedAt: string | null;
}

export interface FileListPage {
  files: ListedFile[];
  /** The `from` of the next page, or null on the last one. */
  nextFrom: string | null;
  total: number;
  totals: { removed: number; stored: number; unstored: number };
}

type AssetQuery = SelectQueryBuilder<DatabaseSchema, 'assets', object>;

/**
 * The REST API's file list over the one asset model: every file of the account the Upload API
 * and the CDN show (not a multipart upload in progress, not a draft without bytes, not a
 * temporary file past its time), in upload order. Pages end between upload times, so the next
 * page's `from` (exclusive) never skips a file that shares its time with the last one shown.
 */
export async function listFiles(db: Db, q: FileListQuery): Promise<FileListPage> {
  const now = new Date().toISOString();
  const dir = q.descending ? 'desc' : 'asc';
  let query = scoped(db, q.accountId, q.removed, now).selectAll();
  if (q.stored !== undefined) query = query.where('stored', '=', q.stored ? 1 : 0);
  if (q.from) query = query.where('created_at', q.descending ? '<' : '>', q.from);
  let rows = await query
    .orderBy('created_at', dir)
    .orderBy('id', dir)
    .limit(q.limit + 1)
    .execute();
  let nextFrom: string | null = null;
  if (rows.length > q.limit) {
    const boundary = rows[q.limit - 1]!.created_at;
    if (rows[q.limit]!.created_at === boundary) {
      const before = rows.slice(0, q.limit).filter((r) => r.created_at !== boundary);
      // A page of one instant only: show the whole instant rather than loop on it.
      rows =
        before.length > 0 ? before : await sameInstant(scoped(db, q.accountId, q.removed, now), boundary, q);
    } else rows = rows.slice(0, q.limit);
    nextFrom = rows[rows.length - 1]!.created_at;
  }
  const [total, totals] = await Promise.all([countFiles(db, q, now), countTotals(db, q.accountId, now)]);
  return {
    files: rows.map((r) => ({ asset: toAsset(r), removedAt: r.deleted_at })),
    nextFrom,
    total,
    totals,
  };
}

function scoped(db: Db, accountId: string, removed: boolean, now: string): AssetQuery {
  const q = db
    .selectFrom('assets')
    .where('account_id', '=', accountId)
    .where('source', '=', UPLOADCARE_SOURCE)
    .where('deleted_at', removed ? 'is not' : 'is', null);
  return removed ? q : q.where(live(now));
}

/** What the Upload API and the CDN show: bytes committed, not a temporary file past its time. */
function live(now: string) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'assets'>) =>
    eb.and([
      eb('blob_key', 'is not', null),
      eb('status', 'not in', ['uploading', 'completing']),
      eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
    ]);
}

async function sameInstant(base: AssetQuery, at: string, q: FileListQuery): Promise<AssetsTable[]> {
  let query = base.selectAll().where('created_at', '=', at);
  if (q.stored !== undefined) query = query.where('stored', '=', q.stored ? 1 : 0);
  return query.orderBy('id', q.descending ? 'desc' : 'asc').execute();
}

async function countFiles(db: Db, q: FileListQuery, now: string): Promise<number> {
  let query = scoped(db, q.accountId, q.removed, now).select((eb) => eb.fn.countAll<number>().as('n'));
  if (q.stored !== undefined) query = query.where('stored', '=', q.stored ? 1 : 0);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

async function countTotals(db: Db, accountId: string, now: string): Promise<FileListPage['totals']> {
  const liveRows = await scoped(db, accountId, false, now)
    .select(['stored', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('stored')
    .execute();
  const removed = await scoped(db, accountId, true, now)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const by = (s: number) => Number(liveRows.find((r) => Number(r.stored) === s)?.n ?? 0);
  return { removed: Number(removed.n), stored: by(1), unstored: by(0) };
}
