import { type RawBuilder, sql } from 'kysely';
import type { DbDialect } from '../db/database.js';

/**
 * Queue timestamps come from the database's clock, not from each worker's: with several nodes on
 * one PostgreSQL, leases and due times are then compared on one clock, whatever the nodes' skew.
 * Both dialects render the same ISO-8601 UTC text with milliseconds (`2024-05-01T12:00:00.000Z`),
 * the schema's portable timestamp format, so text comparison orders them correctly.
 */
export interface SqlClock {
  /** Now, plus `offsetMs` (a number or an SQL expression in milliseconds). */
  now(offsetMs?: number | RawBuilder<number>): RawBuilder<string>;
}

export function sqlClock(dialect: DbDialect): SqlClock {
  if (dialect === 'postgres') {
    return {
      now: (offsetMs = 0) =>
        sql<string>`to_char(timezone('UTC', clock_timestamp()) + (${offsetMs})::double precision * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    };
  }
  // julianday arithmetic keeps sub-second offsets; %f renders seconds with milliseconds.
  return {
    now: (offsetMs = 0) =>
      sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', julianday('now') + (${offsetMs}) / 86400000.0)`,
  };
}
