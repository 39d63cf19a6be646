import type { Kysely } from 'kysely';

/** Cloudflare Stream watermark profiles: immutable settings + the PNG kept in the blob store. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream_watermarks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('downloaded_from', 'text')
    .addColumn('opacity', 'double precision', (c) => c.notNull())
    .addColumn('padding', 'double precision', (c) => c.notNull())
    .addColumn('scale', 'double precision', (c) => c.notNull())
    .addColumn('position', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_watermarks_account')
    .on('stream_watermarks')
    .columns(['account_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_watermarks').execute();
}
