import type { Kysely } from 'kysely';

/**
 * Cloudflare Stream live inputs and their restream outputs. Stream keys and SRT passphrases are
 * sealed by the SecretBox; `port_slot` is the input's ingest port offset (unique while it exists).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream_live_inputs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('port_slot', 'integer', (c) => c.notNull().unique())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('stream_key_enc', 'text', (c) => c.notNull())
    .addColumn('srt_passphrase_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('modified_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_live_inputs_account')
    .on('stream_live_inputs')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('stream_live_outputs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('live_input_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('stream_key_enc', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_live_outputs_input')
    .on('stream_live_outputs')
    .columns(['live_input_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_live_outputs').execute();
  await db.schema.dropTable('stream_live_inputs').execute();
}
