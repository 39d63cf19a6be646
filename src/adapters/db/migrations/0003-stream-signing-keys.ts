import type { Kysely } from 'kysely';

/** Cloudflare Stream signing keys: the public JWK in clear, the private key sealed by the SecretBox. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stream_signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_enc', 'text', (c) => c.notNull())
    .addColumn('internal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_signing_keys_account')
    .on('stream_signing_keys')
    .columns(['account_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_signing_keys').execute();
}
