import { type MigrationResultSet, Migrator, sql } from 'kysely';
import type { DatabaseHandle } from './database.js';
import { migrations } from './migrations/index.js';

/**
 * Applies every pending migration; concurrent callers are serialised by Kysely's migration lock.
 * On PostgreSQL the migration tables live in the connection's current schema: Kysely's existence
 * check looks across all schemas, so without naming it a table in a neighbour schema would fool it.
 */
export async function migrateToLatest(
  handle: Pick<DatabaseHandle, 'db' | 'dialect'>,
): Promise<MigrationResultSet> {
  const { db } = handle;
  let migrationTableSchema: string | undefined;
  if (handle.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema;
  }
  const migrator = new Migrator({
    db,
    migrationTableSchema,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
