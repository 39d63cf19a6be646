import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseSchema } from './schema.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import { WriteClock, withWriteClock } from './write-clock.js';

// int8 (sizes) come back as numbers: every size Kiln stores is far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Kysely<DatabaseSchema>;
export type DbDialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  dialect: DbDialect;
  /** The PostgreSQL connection string (scale-out queue libraries connect with it), else undefined. */
  url?: string;
  /** PostgreSQL schema holding the tables (tests isolate themselves in their own schema). */
  schema?: string;
  /** Writes this process made, per table (for caches of what the database says). */
  writes: WriteClock;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://...` or `sqlite:///abs/path.db`, or a plain file path for SQLite. */
  url: string;
  /** PostgreSQL only: search_path schema, created if missing. */
  schema?: string;
  poolSize?: number;
}

/** Opens SQLite (WAL, foreign keys, busy timeout) or a PostgreSQL pool, from one URL. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const { url } = options;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const schema = options.schema;
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      ...(schema ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
    });
    // A dropped connection must not crash the process; the next query reports the failure.
    pool.on('error', () => {});
    if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const writes = new WriteClock();
    const db = new Kysely<DatabaseSchema>({ dialect: withWriteClock(new PostgresDialect({ pool }), writes) });
    return { db, dialect: 'postgres', url, schema, writes, close: () => db.destroy() };
  }
  const file = url.startsWith('sqlite://') ? url.slice('sqlite://'.length) : url;
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const writes = new WriteClock();
  const db = new Kysely<DatabaseSchema>({
    dialect: withWriteClock(new SqliteDialect({ database: withStatementCache(sqlite) }), writes),
  });
  return { db, dialect: 'sqlite', writes, close: () => db.destroy() };
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}
