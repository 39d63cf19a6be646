import { sql } from 'kysely';
import type { Db } from '../../adapters/db/database.js';

/** Where failed authentications are counted: one counter per key and window, shared by all nodes. */
export interface AuthFailureCounter {
  /** Adds one failure to `key` in the window starting at `windowStart` (unix s); the new count. */
  increment(key: string, windowStart: number): Promise<number>;
  /** Forgets windows that started before `before`. */
  prune(before: number): Promise<void>;
}

/**
 * The counter in the database (SQLite or PostgreSQL), so every API node sees the same counts: one
 * upsert-and-return statement per failure, atomic on both dialects, no read-modify-write race.
 */
export class DbAuthFailureCounter implements AuthFailureCounter {
  constructor(private readonly db: Db) {}

  async increment(key: string, windowStart: number): Promise<number> {
    const row = await this.db
      .insertInto('auth_failures')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`auth_failures.count + 1` }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async prune(before: number): Promise<void> {
    await this.db.deleteFrom('auth_failures').where('window_start', '<', before).execute();
  }
}
