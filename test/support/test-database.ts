import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/database.js';
import { migrateToLatest } from '../../src/adapters/db/migrate.js';

/** True when the suites run against the scale-out backends (PostgreSQL, S3). */
export const scaleOut = Boolean(process.env.KILN_TEST_DATABASE_URL);

/**
 * A migrated, empty database for one test: a fresh SQLite file, or a fresh schema in the
 * PostgreSQL at KILN_TEST_DATABASE_URL (dropped again by close()).
 */
export async function openTestDatabase(): Promise<DatabaseHandle & { url: string }> {
  const pgUrl = process.env.KILN_TEST_DATABASE_URL;
  if (pgUrl) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const handle = await openDatabase({ url: pgUrl, schema, poolSize: 5 });
    await migrateToLatest(handle);
    return {
      ...handle,
      url: pgUrl,
      close: async () => {
        await handle.close();
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kiln-db-'));
  const url = `sqlite://${join(dir, 'kiln.db')}`;
  const handle = await openDatabase({ url });
  await migrateToLatest(handle);
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
