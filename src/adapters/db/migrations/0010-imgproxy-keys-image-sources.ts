import type { Kysely } from 'kysely';

/**
 * imgproxy URLs and remote image sources.
 * - imgproxy_keys: each account's imgproxy signing key and salt (hex), encrypted with the server's
 *   SecretBox; accounts made before this migration have none until the operator adds them.
 * - image_sources: the remote source cache: one row per source URL with its stored blob, the
 *   origin's validators (ETag, Last-Modified), how long it is fresh, a version (digest of the bytes,
 *   which variants are keyed by) and its last use (least-recently-used eviction).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('imgproxy_keys')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('key_enc', 'text', (c) => c.notNull())
    .addColumn('salt_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('image_sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('fresh_until', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_sources_last_used').on('image_sources').column('last_used_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('image_sources').execute();
  await db.schema.dropTable('imgproxy_keys').execute();
}
