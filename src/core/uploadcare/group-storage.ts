import type { Db } from '../../adapters/db/database.js';
import { type FileDeps, findFile, storeFile } from './file-management.js';
import { GroupRepository, type UcGroup } from './group-repository.js';
import { restNotFound } from './rest-error.js';

/** When the group was stored through the REST API, or null (a new group is never "stored"). */
export async function groupStoredAt(db: Db, groupId: string): Promise<string | null> {
  const row = await db
    .selectFrom('uc_groups')
    .select('stored_at')
    .where('id', '=', groupId)
    .executeTakeFirst();
  return row?.stored_at ?? null;
}

/**
 * `PUT /groups/{id}/storage/` (REST API 0.6, kept for clients that still call it): stores every
 * file of the group that still exists, then records the group's `datetime_stored`.
 */
export async function storeGroup(deps: FileDeps, accountId: string, groupId: string): Promise<UcGroup> {
  const group = await new GroupRepository(deps.db).find(groupId, accountId);
  if (!group) throw restNotFound();
  for (const member of group.files) {
    if (await findFile(deps, accountId, member.uuid)) await storeFile(deps, accountId, member.uuid);
  }
  await deps.db
    .updateTable('uc_groups')
    .set({ stored_at: new Date().toISOString() })
    .where('id', '=', groupId)
    .where('account_id', '=', accountId)
    .execute();
  return group;
}
