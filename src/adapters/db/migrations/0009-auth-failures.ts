import type { Kysely } from 'kysely';

/**
 * Failed authentication counters shared by every node: one row per key (`ip:<address>`,
 * `account:<id>`) and fixed one-minute window, incremented by an upsert. Old windows are pruned.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_failures_pk', ['key', 'window_start'])
    .execute();
  await db.schema.createIndex('auth_failures_window').on('auth_failures').columns(['window_start']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('auth_failures').execute();
}
