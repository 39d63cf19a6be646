import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 with prepared statements reused by SQL text (LRU). Kysely's SQLite driver prepares
 * every query anew, and compiling a statement costs about as much as running a small one; the SQL
 * Kysely generates repeats (values are bound), so a few hundred statements cover the whole app.
 * Reuse is safe because better-sqlite3 runs each statement to completion before returning (the one
 * exception, iterate(), is Kysely's stream(), which Kiln does not use).
 */
export function withStatementCache(sqlite: SQLite.Database, size = 256): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
