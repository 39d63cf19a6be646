import { existsSync } from 'node:fs';
import { Migrator, sql } from 'kysely';
import { type Db, openDatabase } from '../../adapters/db/database.js';
import { migrations } from '../../adapters/db/migrations/index.js';
import { type CheckResult, fail, ok, warn } from './doctor-check.js';

/** The database answers, and every migration this version knows is applied (and no unknown one). */
export async function checkDatabase(databaseUrl: string): Promise<CheckResult> {
  const where = describeUrl(databaseUrl);
  if (databaseUrl.startsWith('sqlite://')) {
    const file = databaseUrl.slice('sqlite://'.length);
    // Looking must not create it: a missing file is a data dir Kiln has not started on yet.
    if (file !== ':memory:' && !existsSync(file)) {
      return warn('database', `${where}: no database yet`, '`kiln serve` or `kiln migrate` creates it');
    }
  }
  const handle = await openDatabase({ url: databaseUrl, poolSize: 1 });
  try {
    try {
      await sql`select 1`.execute(handle.db);
    } catch (err) {
      return fail(
        'database',
        `${where} does not answer: ${(err as Error).message}`,
        'check KILN_DATABASE_URL (host, port, user, password, database) and that the server runs',
      );
    }
    let schema: string | undefined;
    if (handle.dialect === 'postgres') {
      schema = (await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)).rows[0]?.s;
    }
    const known = await new Migrator({
      db: handle.db,
      migrationTableSchema: schema,
      provider: { getMigrations: async () => migrations },
    }).getMigrations();
    const pending = known.filter((m) => !m.executedAt).map((m) => m.name);
    const applied = await appliedNames(handle.db).catch(() => [] as string[]);
    const unknown = applied.filter((name) => !(name in migrations));
    const latest = known.at(-1)?.name ?? 'none';
    if (unknown.length > 0) {
      return fail(
        'database',
        `${where}: migrated by a newer Kiln (${unknown.join(', ')} unknown to this version)`,
        'run the Kiln version that migrated it (or a later one)',
      );
    }
    if (pending.length > 0) {
      return warn(
        'database',
        `${where}: reachable; ${pending.length} migration(s) pending (${pending.join(', ')})`,
        '`kiln migrate` applies them (`kiln serve` also does at start)',
      );
    }
    return ok('database', `${handle.dialect} at ${where}: reachable, migrated (${latest})`);
  } finally {
    await handle.close();
  }
}

async function appliedNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.map((r) => r.name);
}

/** The URL without its password (doctor output is pasted into issues). */
function describeUrl(url: string): string {
  if (!url.startsWith('postgres')) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
