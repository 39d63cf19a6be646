import type { Db } from '../../adapters/db/database.js';
import type { GroupMember, UcGroup } from './group-repository.js';

export interface GroupListQuery {
  accountId: string;
  limit: number;
  descending: boolean;
  /** Exclusive starting point (a creation time) in the list's order. */
  from?: string;
}

export interface GroupListPage {
  groups: UcGroup[];
  nextFrom: string | null;
  total: number;
}

/**
 * The REST API's group list, paged like files: in creation order, and never ending a page
 * inside one instant (so `from` stays exclusive and skips nothing).
 */
export async function listGroups(db: Db, q: GroupListQuery): Promise<GroupListPage> {
  const dir = q.descending ? 'desc' : 'asc';
  const base = () => db.selectFrom('uc_groups').selectAll().where('account_id', '=', q.accountId);
  let query = base();
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
      rows =
        before.length > 0
          ? before
          : await base().where('created_at', '=', boundary).orderBy('id', dir).execute();
    } else rows = rows.slice(0, q.limit);
    nextFrom = rows[rows.length - 1]!.created_at;
  }
  const total = await db
    .selectFrom('uc_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', q.accountId)
    .executeTakeFirstOrThrow();
  return {
    groups: rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      files: JSON.parse(r.files) as GroupMember[],
      createdAt: r.created_at,
    })),
    nextFrom,
    total: Number(total.n),
  };
}

/** Deletes a group (its files stay); false when there was none. */
export async function deleteGroup(db: Db, accountId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('uc_groups')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
