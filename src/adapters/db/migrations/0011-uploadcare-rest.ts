import type { Kysely } from 'kysely';

/**
 * Uploadcare REST API v0.7 (issue 20): webhook subscriptions (integer ids, one per project, event
 * and target URL) and video/document conversion jobs (integer tokens for `/convert/.../status/`).
 * Numbered 0008 on branch h-ucrest; renumber freely if another 0008 lands first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // When a group was stored through the REST API (`PUT /groups/{id}/storage/`); null until then.
  await db.schema.alterTable('uc_groups').addColumn('stored_at', 'text').execute();
  await db.schema
    .createTable('uc_webhooks')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('target_url', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('signing_secret_enc', 'text')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('uc_webhooks_target')
    .on('uc_webhooks')
    .columns(['account_id', 'event', 'target_url'])
    .unique()
    .execute();
  await db.schema
    .createTable('uc_conversions')
    .addColumn('token', 'bigint', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('result_id', 'text', (c) => c.notNull())
    .addColumn('thumbnails_group_id', 'text')
    .addColumn('stored', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('uc_conversions').execute();
  await db.schema.dropTable('uc_webhooks').execute();
  await db.schema.alterTable('uc_groups').dropColumn('stored_at').execute();
}
