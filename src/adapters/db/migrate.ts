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
  for (let attempt = 1; ; attempt++) {
    const result = await migrator.migrateToLatest();
    if (!result.error) return result;
    // Kysely's existence check lists the tables of every schema; a neighbour schema dropped during
    // that query makes PostgreSQL report it missing (3F000). That is not our failure: look again.
    if (attempt < 5 && isNeighbourSchemaRace(result.error, migrationTableSchema)) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    throw result.error;
  }
}

function isNeighbourSchemaRace(err: unknown, ours: string | undefined): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '3F000' && ours !== undefined && !String(e.message).includes(`"${ours}"`);
}
