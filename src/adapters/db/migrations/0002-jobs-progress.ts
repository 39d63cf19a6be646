import type { Kysely } from 'kysely';

/**
 * Job progress (reported through heartbeat, shown e.g. as Stream's pctComplete) and the index the
 * claim query walks: due jobs of one kind, and active jobs whose lease ran out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('progress', 'double precision').execute();
  await db.schema.createIndex('jobs_kind_due').on('jobs').columns(['kind', 'state', 'run_at']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['state', 'locked_until']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_lease').execute();
  await db.schema.dropIndex('jobs_kind_due').execute();
  await db.schema.alterTable('jobs').dropColumn('progress').execute();
}
