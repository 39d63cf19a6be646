import { type Kysely, sql } from 'kysely';

/**
 * Usage per account: one row per period (an hour, or a day once rolled up), metric, kind and asset
 * ('' when the metric has none), added to by upserts from every node's in-memory counters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_counters')
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('value', sql`double precision`, (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_counters_pk', [
      'account_id',
      'granularity',
      'period_start',
      'metric',
      'kind',
      'asset_id',
    ])
    .execute();
  await db.schema
    .createIndex('usage_counters_rollup')
    .on('usage_counters')
    .columns(['granularity', 'period_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_counters').execute();
}
