import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../../src/adapters/db/migrate.js';
import { openTestDatabase } from '../support/test-database.js';

test('migrations apply once and are idempotent on a second run', async () => {
  const h = await openTestDatabase();
  try {
    const again = await migrateToLatest(h);
    assert.deepEqual(again.results, []);
    const now = new Date().toISOString();
    await h.db.insertInto('kv').values({ key: 'k', value: 'v', updated_at: now }).execute();
    const row = await h.db.selectFrom('kv').selectAll().where('key', '=', 'k').executeTakeFirstOrThrow();
    assert.equal(row.value, 'v');
  } finally {
    await h.close();
  }
});
