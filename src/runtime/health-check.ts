import type { KilnRuntime } from './kiln-runtime.js';

/** A job loop that has not finished a poll for this long counts as stuck. */
export const JOB_LOOP_STALE_MS = 15_000;
/** Each backend probe gets this long before it counts as unavailable. */
const PROBE_TIMEOUT_MS = 3_000;

export type CheckState = 'ok' | 'unavailable';

export interface HealthReport {
  ok: boolean;
  /** database and storage on every role; jobs too where the job loop runs (worker, all). */
  checks: Record<string, CheckState>;
  /** Why each failed check failed: for the log only (it may name hosts), never for the answer. */
  failures: Array<{ check: string; err: unknown }>;
}

/**
 * Is this process ready to do its work: can it reach its database and its blob store and, where it
 * runs jobs, is the job loop polling? The probes run at once, each under a timeout.
 */
export async function checkHealth(
  runtime: Pick<KilnRuntime, 'config' | 'db' | 'blobs' | 'jobs'>,
  now = Date.now(),
): Promise<HealthReport> {
  const probes: Array<[string, () => Promise<unknown>]> = [
    ['database', () => runtime.db.selectFrom('kv').select('key').limit(1).execute()],
    ['storage', () => runtime.blobs.ping()],
  ];
  if (runtime.config.role !== 'api') probes.push(['jobs', async () => assertLoopAlive(runtime, now)]);
  const checks: Record<string, CheckState> = {};
  const failures: HealthReport['failures'] = [];
  await Promise.all(
    probes.map(async ([name, probe]) => {
      try {
        await withTimeout(probe(), PROBE_TIMEOUT_MS);
        checks[name] = 'ok';
      } catch (err) {
        checks[name] = 'unavailable';
        failures.push({ check: name, err });
      }
    }),
  );
  // Stable key order in the answer, whichever probe finished first.
  const ordered = Object.fromEntries(probes.map(([name]) => [name, checks[name]!]));
  return { ok: failures.length === 0, checks: ordered, failures };
}

function assertLoopAlive(runtime: Pick<KilnRuntime, 'jobs'>, now: number): void {
  const { running, lastPollAt } = runtime.jobs.loopStatus();
  if (!running) throw new Error('the job loop is not running');
  if (!lastPollAt) throw new Error('the job loop has not polled yet');
  const age = now - lastPollAt.getTime();
  if (age > JOB_LOOP_STALE_MS) throw new Error(`the job loop last polled ${Math.round(age / 1000)} s ago`);
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
