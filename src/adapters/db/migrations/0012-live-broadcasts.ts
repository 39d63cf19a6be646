import type { Kysely } from 'kysely';

/**
 * Which node holds a live input's broadcast (a lease: `holder` with `lease_expires_at`, renewed
 * while the publisher is live), the recording the broadcast adds to and how many parts it has.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream_live_broadcasts')
    .addColumn('live_input_id', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('video_id', 'text')
    .addColumn('parts', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_live_broadcasts').execute();
}
