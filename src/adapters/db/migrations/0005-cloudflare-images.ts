import type { Kysely } from 'kysely';

/**
 * Cloudflare Images: what the dialect owns beside the shared assets table.
 * - cf_images maps an account's image id (generated UUID or custom id with slashes, unique per
 *   account) to the global asset id, and keeps the creator for filtered listing.
 * - cf_image_variants: named variants (fit/width/height/metadata, neverRequireSignedURLs).
 * - cf_image_keys: signing keys, values encrypted with the server's SecretBox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cf_images')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull().unique().references('assets.id').onDelete('cascade'))
    .addColumn('creator', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cf_images_pk', ['account_id', 'image_id'])
    .execute();
  await db.schema
    .createIndex('cf_images_account_created')
    .on('cf_images')
    .columns(['account_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('cf_image_variants')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('never_require_signed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cf_image_variants_pk', ['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('cf_image_keys')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cf_image_keys_pk', ['account_id', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['cf_image_keys', 'cf_image_variants', 'cf_images']) await db.schema.dropTable(t).execute();
}
