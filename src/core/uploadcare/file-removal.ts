import { toAsset } from '../assets/asset-repository.js';
import { type FileEventDeps, fileDeleted } from './file-events.js';
import { UPLOADCARE_SOURCE } from './file-management.js';

/**
 * `file.deleted` for every way an Uploadcare file goes (the REST API, Kiln's API or dashboard,
 * the expiry of a temporary file): announced by the durable purge job, before the row is purged,
 * once (a retried purge does not announce again).
 */
export async function announceRemoval(
  deps: FileEventDeps,
  payload: { accountId: string; assetId: string },
): Promise<void> {
  const row = await deps.db
    .selectFrom('assets')
    .selectAll()
    .where('id', '=', payload.assetId)
    .where('account_id', '=', payload.accountId)
    .executeTakeFirst();
  if (!row || row.deleted_at === null || row.source !== UPLOADCARE_SOURCE || row.status !== 'ready') return;
  const asset = toAsset(row);
  if (asset.extra.ucRemovalAnnounced === true) return;
  await fileDeleted(deps, asset, row.deleted_at);
  await deps.db
    .updateTable('assets')
    .set({ extra: JSON.stringify({ ...asset.extra, ucRemovalAnnounced: true }) })
    .where('id', '=', row.id)
    .execute();
}
