import { randomUUID } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';

/** One member of a group: a file and the CDN operations it had when the group was made. */
export interface GroupMember {
  uuid: string;
  /** Operations without the leading `-/`, e.g. `resize/x800/`; `''` for none. */
  effects: string;
}

export interface UcGroup {
  id: string;
  accountId: string;
  files: GroupMember[];
  createdAt: string;
}

/** Uploadcare file groups: immutable once made, id `<uuid>~<number of files>`. */
export class GroupRepository {
  constructor(private readonly db: Db) {}

  async create(accountId: string, files: GroupMember[]): Promise<UcGroup> {
    const group: UcGroup = {
      id: `${randomUUID()}~${files.length}`,
      accountId,
      files,
      createdAt: new Date().toISOString(),
    };
    await this.db
      .insertInto('uc_groups')
      .values({
        id: group.id,
        account_id: accountId,
        files: JSON.stringify(files),
        created_at: group.createdAt,
      })
      .execute();
    return group;
  }

  /** By id within an account (the API), or by id alone when accountId is null (the CDN). */
  async find(id: string, accountId: string | null): Promise<UcGroup | null> {
    let q = this.db.selectFrom('uc_groups').selectAll().where('id', '=', id);
    if (accountId !== null) q = q.where('account_id', '=', accountId);
    const row = await q.executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      accountId: row.account_id,
      files: JSON.parse(row.files) as GroupMember[],
      createdAt: row.created_at,
    };
  }
}
