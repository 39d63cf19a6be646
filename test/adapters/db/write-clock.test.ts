import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { type DatabaseHandle, openDatabase } from '../../../src/adapters/db/database.js';
import { migrateToLatest } from '../../../src/adapters/db/migrate.js';

let handle: DatabaseHandle;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-write-clock-'));
  const pgUrl = process.env.KILN_TEST_DATABASE_URL;
  handle = pgUrl
    ? await openDatabase({ url: pgUrl, schema: `write_clock_${process.pid}` })
    : await openDatabase({ url: join(dir, 'kiln.db') });
  await migrateToLatest(handle);
});
after(async () => {
  if (handle.schema) await sql.raw(`DROP SCHEMA ${handle.schema} CASCADE`).execute(handle.db);
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const insertAccount = (id: string) =>
  handle.db
    .insertInto('accounts')
    .values({
      id,
      name: id,
      images_hash: `h${id}`,
      uc_public_key: `p${id}`,
      uc_secret_enc: 'x',
      stream_api_key: `s${id}`,
      stream_api_secret_enc: 'x',
      settings: '{}',
      created_at: new Date().toISOString(),
      deleted_at: null,
    })
    .execute();

test('reads do not tick; inserts, updates and deletes tick their own table only', async () => {
  const { db, writes } = handle;
  const accounts = () => writes.version(['accounts']);
  const assets = () => writes.version(['assets']);
  const a0 = accounts();
  const s0 = assets();
  await db.selectFrom('accounts').selectAll().execute();
  assert.equal(accounts(), a0);
  await insertAccount('a1');
  assert.ok(accounts() > a0);
  const a1 = accounts();
  await db.updateTable('accounts').set({ name: 'renamed' }).where('id', '=', 'a1').execute();
  assert.ok(accounts() > a1);
  const a2 = accounts();
  await db.deleteFrom('accounts').where('id', '=', 'a1').execute();
  assert.ok(accounts() > a2);
  assert.equal(assets(), s0, 'assets untouched');
});

test('raw SQL that is not a SELECT ticks every table', async () => {
  const { db, writes } = handle;
  const v0 = writes.version(['assets']);
  await sql`select 1`.execute(db);
  assert.equal(writes.version(['assets']), v0);
  await sql`update accounts set name = name where id = 'none'`.execute(db);
  assert.ok(writes.version(['assets']) > v0);
});

test('inside a transaction the tick comes at the commit, once the write is visible', async () => {
  const { db, writes } = handle;
  const v0 = writes.version(['accounts']);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('accounts')
      .values({
        id: 't1',
        name: 't1',
        images_hash: 'ht1',
        uc_public_key: 'pt1',
        uc_secret_enc: 'x',
        stream_api_key: 'st1',
        stream_api_secret_enc: 'x',
        settings: '{}',
        created_at: new Date().toISOString(),
        deleted_at: null,
      })
      .execute();
    assert.equal(writes.version(['accounts']), v0, 'not yet committed');
  });
  assert.ok(writes.version(['accounts']) > v0);
  const v1 = writes.version(['accounts']);
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await trx.deleteFrom('accounts').where('id', '=', 't1').execute();
      throw new Error('roll back');
    }),
  );
  assert.ok(writes.version(['accounts']) >= v1, 'a rollback never goes backwards');
});
