import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { down, up } from '../../src/adapters/db/migrations/0008-variant-last-used.js';
import { canonicalKey, emptyPlan } from '../../src/core/images/transform-plan.js';
import { variantName } from '../../src/core/images/variant-name.js';
import { openTestDatabase } from '../support/test-database.js';

test('0008 gives every image variant one naming: old variant names and getstream rows become kind variant', async () => {
  const h = await openTestDatabase();
  try {
    const raw = h.db as unknown as Kysely<unknown>;
    await down(raw);
    const now = new Date().toISOString();
    const asset = randomUUID();
    await h.db
      .insertInto('accounts')
      .values({
        id: 'a',
        name: 'a',
        images_hash: 'h',
        uc_public_key: 'p',
        uc_secret_enc: 's',
        stream_api_key: 'k',
        stream_api_secret_enc: 's',
        settings: '{}',
        created_at: now,
        deleted_at: null,
      })
      .execute();
    await h.db
      .insertInto('assets')
      .values({
        id: asset,
        account_id: 'a',
        kind: 'image',
        status: 'ready',
        blob_key: 'k',
        size: 1,
        content_type: 'image/png',
        sha256: null,
        original_name: null,
        metadata: '{}',
        stored: 1,
        expires_at: null,
        width: null,
        height: null,
        duration_seconds: null,
        source: 'kiln',
        extra: '{}',
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
    const plan = { ...emptyPlan(), output: { format: 'png' as const } };
    const name = variantName(plan, 'png');
    const row = (kind: string, n: string, extra = '{}') => ({
      id: randomUUID(),
      asset_id: asset,
      account_id: 'a',
      kind,
      name: n,
      blob_key: `variants/x/${n}`,
      size: 10,
      content_type: 'image/png',
      extra,
      created_at: now,
    });
    await h.db
      .insertInto('renditions')
      .values([
        row('variant', `${canonicalKey(plan)}|png`),
        row('getstream-variant', name, '{"userId":"u1"}'),
        row('variant', `${canonicalKey(plan)}|webp`),
        row('thumbnail', 'default'),
      ])
      .execute();
    await up(raw);
    const rows = await h.db
      .selectFrom('renditions')
      .select(['kind', 'name', 'extra'])
      .orderBy('name')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.kind, r.name]).sort(),
      [
        ['thumbnail', 'default'],
        ['variant', name],
        ['variant', variantName(plan, 'webp')],
      ].sort(),
    );
    // Of the two rows of one variant, getstream's (with its owner) is the one kept.
    // Marked addressed: eviction keeps its row, so its links render it again.
    assert.deepEqual(JSON.parse(rows.find((r) => r.name === name)!.extra), { userId: 'u1', addressed: true });
  } finally {
    await h.close();
  }
});
