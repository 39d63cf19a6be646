import type { Db } from '../../adapters/db/database.js';
import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { KilnError } from '../errors/kiln-error.js';

/**
 * Claims a direct creator upload URL for one request, atomically: a conditional UPDATE that only
 * succeeds while the row is still `pendingupload` with the very facts (`extra`) this request read.
 * Two simultaneous POSTs both read `uploadUsed: false`; the database lets exactly one UPDATE match
 * (SQLite serialises writers; PostgreSQL re-checks the WHERE on the locked row), the other gets 409.
 */
export async function claimUpload(db: Db, assets: AssetRepository, asset: Asset): Promise<Asset> {
  const row = await db
    .selectFrom('assets')
    .select(['extra'])
    .where('id', '=', asset.id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  const facts = row ? (JSON.parse(row.extra) as Record<string, unknown>) : null;
  if (!row || !facts || facts.uploadUsed === true) throw used();
  const res = await db
    .updateTable('assets')
    .set({ extra: JSON.stringify({ ...facts, uploadUsed: true }), updated_at: new Date().toISOString() })
    .where('id', '=', asset.id)
    .where('status', '=', 'pendingupload')
    .where('extra', '=', row.extra)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw used();
  return assets.get(asset.accountId, asset.id);
}

function used(): KilnError {
  return new KilnError('conflict', 'This upload URL has already been used', {
    details: { cloudflareCode: 10005 },
  });
}
