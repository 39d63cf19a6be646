import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, type RawBuilder, sql, type UpdateObject } from 'kysely';
import type { Db, DbDialect } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { JobRow } from './job-rows.js';
import { type SqlClock, sqlClock } from './sql-clock.js';

export interface NewJob {
  kind: string;
  payload: string;
  maxAttempts: number;
  backoffMs: number;
  leaseSeconds: number;
  singletonKey: string | null;
  delayMs: number;
}

/** One claimed attempt: only the worker holding it may extend, finish or release it. */
export interface Lease {
  id: string;
  workerId: string;
  attempt: number;
}

export interface DepthRow {
  kind: string;
  state: string;
  count: number;
}

export const LEASE_EXPIRED = 'lease expired: the worker holding the job stopped without finishing it';

/**
 * The SQL of the job table, for both dialects. Every state change is one statement, and every
 * change to a claimed job is conditioned on its lease, so a worker that lost its lease (it was too
 * slow, or the job was cancelled) can no longer overwrite what happened since.
 */
export class JobStore {
  private readonly clock: SqlClock;

  constructor(
    private readonly db: Db,
    private readonly dialect: DbDialect,
  ) {
    this.clock = sqlClock(dialect);
  }

  /** Inserts a job; with a singleton key already queued or active, returns that job's id instead. */
  async insert(job: NewJob): Promise<string> {
    // Retried because the job holding the key may finish between our insert and our look-up.
    for (let round = 0; round < 5; round++) {
      const now = this.clock.now();
      const inserted = await this.db
        .insertInto('jobs')
        .values({
          id: randomUUID(),
          kind: job.kind,
          state: 'queued',
          payload: job.payload,
          attempt: 0,
          max_attempts: job.maxAttempts,
          backoff_ms: job.backoffMs,
          lease_seconds: job.leaseSeconds,
          singleton_key: job.singletonKey,
          run_at: this.clock.now(job.delayMs),
          locked_until: null,
          locked_by: null,
          last_error: null,
          progress: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return inserted.id;
      if (job.singletonKey === null) throw new Error('job insert conflicted without a singleton key');
      const existing = await this.db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', job.kind)
        .where('singleton_key', '=', job.singletonKey)
        .where('state', 'in', ['queued', 'active'])
        .executeTakeFirst();
      if (existing) return existing.id;
    }
    throw new Error(`could not enqueue ${job.kind} job with singleton key ${job.singletonKey}`);
  }

  /**
   * Which of `kinds` have a job to claim: a read, so idle polling takes no write lock (SQLite has
   * one for the whole database, shared with the API's writes).
   */
  async dueKinds(kinds: string[]): Promise<Set<string>> {
    if (kinds.length === 0) return new Set();
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom('jobs')
      .select('kind')
      .distinct()
      .where('kind', 'in', kinds)
      .where((eb) => this.isDue(eb, now))
      .execute();
    return new Set(rows.map((r) => r.kind));
  }

  /**
   * Atomically takes up to `limit` due jobs of `kind`: queued ones whose time has come, and active
   * ones whose lease ran out (their worker died; that attempt counts). PostgreSQL: the row locks of
   * FOR UPDATE SKIP LOCKED keep concurrent claimers apart. SQLite: one UPDATE statement takes the
   * database's single write lock before it reads (busy_timeout queues the others), so the select
   * and the update are one atomic step across connections and processes.
   */
  async claim(kind: string, limit: number, workerId: string): Promise<JobRow[]> {
    const now = this.clock.now();
    let due = this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where((eb) => this.isDue(eb, now))
      .orderBy('run_at')
      .limit(limit);
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    return this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'active',
        attempt: eb('attempt', '+', 1),
        locked_by: workerId,
        locked_until: this.clock.now(sql<number>`lease_seconds * 1000`),
        last_error: sql<string | null>`CASE WHEN state = 'active' THEN ${LEASE_EXPIRED} ELSE last_error END`,
        updated_at: now,
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /** Active jobs whose lease ran out on their last allowed attempt end as failed; returns their kinds. */
  async failAbandoned(): Promise<string[]> {
    const now = this.clock.now();
    const result = await this.db
      .updateTable('jobs')
      .set({
        state: 'failed',
        last_error: LEASE_EXPIRED,
        locked_by: null,
        locked_until: null,
        updated_at: now,
      })
      .where('state', '=', 'active')
      .where('locked_until', '<', now)
      .where((eb) => eb('attempt', '>=', eb.ref('max_attempts')))
      .returning('kind')
      .execute();
    return result.map((r) => r.kind);
  }

  /** The state of a job (null when gone): why a leased update found nothing to change. */
  async stateOf(id: string): Promise<string | null> {
    const row = await this.db.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirst();
    return row?.state ?? null;
  }

  async heartbeat(lease: Lease, progress?: number): Promise<boolean> {
    return this.updateLeased(lease, {
      locked_until: this.clock.now(sql<number>`lease_seconds * 1000`),
      ...(progress !== undefined ? { progress } : {}),
    });
  }

  complete(lease: Lease): Promise<boolean> {
    return this.updateLeased(lease, { state: 'completed', progress: 1, locked_by: null, locked_until: null });
  }

  fail(lease: Lease, error: string): Promise<boolean> {
    return this.updateLeased(lease, {
      state: 'failed',
      last_error: error,
      locked_by: null,
      locked_until: null,
    });
  }

  retry(lease: Lease, error: string, delayMs: number): Promise<boolean> {
    return this.updateLeased(lease, {
      state: 'queued',
      last_error: error,
      run_at: this.clock.now(delayMs),
      locked_by: null,
      locked_until: null,
    });
  }

  /** Puts a job back in the queue without counting the attempt (this worker is shutting down). */
  release(lease: Lease): Promise<boolean> {
    return this.updateLeased(lease, {
      state: 'queued',
      attempt: lease.attempt - 1,
      locked_by: null,
      locked_until: null,
    });
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async cancel(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'cancelled', locked_by: null, locked_until: null, updated_at: this.clock.now() })
      .where('id', '=', id)
      .where('state', 'in', ['queued', 'active'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async depth(): Promise<DepthRow[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('count')])
      .where('state', 'in', ['queued', 'active', 'failed'])
      .groupBy(['kind', 'state'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.count) }));
  }

  async prune(olderThanMs: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('state', 'in', ['completed', 'cancelled'])
      .where('updated_at', '<', this.clock.now(-olderThanMs))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Queued and due, or active with a lease that ran out and attempts left. */
  private isDue(eb: ExpressionBuilder<DatabaseSchema, 'jobs'>, now: RawBuilder<string>) {
    return eb.or([
      eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]),
      eb.and([
        eb('state', '=', 'active'),
        eb('locked_until', '<', now),
        eb('attempt', '<', eb.ref('max_attempts')),
      ]),
    ]);
  }

  private async updateLeased(lease: Lease, changes: UpdateObject<DatabaseSchema, 'jobs'>): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ ...changes, updated_at: this.clock.now() })
      .where((eb: ExpressionBuilder<DatabaseSchema, 'jobs'>) =>
        eb.and([
          eb('id', '=', lease.id),
          eb('state', '=', 'active'),
          eb('locked_by', '=', lease.workerId),
          eb('attempt', '=', lease.attempt),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
