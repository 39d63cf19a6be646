import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../adapters/db/database.js';
import type { KilnConfig } from '../config/config.js';
import { loadOrCreateMasterKey } from '../core/signing/master-key.js';

/**
 * The server key that encrypts signing secrets at rest. KILN_MASTER_KEY wins. Without it, one
 * machine keeps a generated key in the data dir; several machines on PostgreSQL share one generated
 * once into the database (set KILN_MASTER_KEY in production so the key lives apart from the data).
 */
export async function resolveMasterKey(config: KilnConfig, database: DatabaseHandle): Promise<Buffer> {
  if (config.masterKey || database.dialect === 'sqlite') {
    return loadOrCreateMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir });
  }
  const db = database.db;
  const fresh = randomBytes(32).toString('base64');
  await db
    .insertInto('kv')
    .values({ key: 'master_key', value: fresh, updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('kv')
    .select('value')
    .where('key', '=', 'master_key')
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
