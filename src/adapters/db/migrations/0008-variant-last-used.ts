import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Bounded variant storage: renditions get `last_used_at` (least-recently-used eviction), and image
 * variants get one naming across grammars: kind `variant`, name = 32 hex of sha256(canonical plan
 * + "\n" + format). Rows of kind `variant` were named `canonical plan|format`, getstream's were
 * kind `getstream-variant` already named by that digest (so their links stay valid).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('renditions').addColumn('last_used_at', 'text').execute();
  await db.schema
    .createIndex('renditions_account_kind_used')
    .on('renditions')
    .columns(['account_id', 'kind', 'last_used_at'])
    .execute();

  // biome-ignore lint/suspicious/noExplicitAny: the migration runs before the typed schema exists.
  const d = db as Kysely<any>;
  const old = await d
    .selectFrom('renditions')
    .select(['id', 'asset_id', 'name'])
    .where('kind', '=', 'variant')
    .execute();
  for (const row of old) {
    const cut = String(row.name).lastIndexOf('|');
    if (cut < 0) continue;
    const name = createHash('sha256')
      .update(`${row.name.slice(0, cut)}\n${row.name.slice(cut + 1)}`)
      .digest('hex')
      .slice(0, 32);
    await d.updateTable('renditions').set({ name }).where('id', '=', row.id).execute();
  }
  // A getstream row and a plain row of the same variant: keep the getstream one (it has an owner).
  const stream = await d
    .selectFrom('renditions')
    .select(['asset_id', 'name'])
    .where('kind', '=', 'getstream-variant')
    .execute();
  for (const row of stream) {
    await d
      .deleteFrom('renditions')
      .where('asset_id', '=', row.asset_id)
      .where('kind', '=', 'variant')
      .where('name', '=', row.name)
      .execute();
  }
  // Getstream variants are objects with links: eviction must keep their rows (see VariantRepository).
  const addressed = await d
    .selectFrom('renditions')
    .select(['id', 'extra'])
    .where('kind', '=', 'getstream-variant')
    .execute();
  for (const row of addressed) {
    const extra = { ...(JSON.parse(row.extra) as Record<string, unknown>), addressed: true };
    await d
      .updateTable('renditions')
      .set({ kind: 'variant', extra: JSON.stringify(extra) })
      .where('id', '=', row.id)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('renditions_account_kind_used').execute();
  await db.schema.alterTable('renditions').dropColumn('last_used_at').execute();
}
