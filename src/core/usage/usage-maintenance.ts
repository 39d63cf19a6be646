import type { JobQueue } from '../jobs/job-queue.js';
import { schedulePeriodic } from '../jobs/periodic-job.js';
import { periodStart, USAGE_METRIC_NAMES, USAGE_METRICS } from './usage-metrics.js';
import type { UsageRepository } from './usage-repository.js';

export const USAGE_MAINTENANCE_JOB = 'usage.maintain';

export function scheduleUsageMaintenance(jobs: JobQueue, everySeconds: number): Promise<void> {
  return schedulePeriodic(jobs, USAGE_MAINTENANCE_JOB, everySeconds);
}

/** Samples what every account stores, by kind, into the current hour's stored_bytes rows. */
export async function sampleStoredBytes(repository: UsageRepository, now = Date.now()): Promise<void> {
  const hour = periodStart(now, 'hour');
  const stored = await repository.storedByKind();
  await repository.setHourly(
    stored.map((s) => ({
      periodStart: hour,
      accountId: s.accountId,
      metric: 'stored_bytes',
      kind: s.kind,
      assetId: '',
      value: s.bytes,
    })),
  );
}

/** The periodic job: sample storage, then roll hourly rows older than the retention up into days. */
export async function maintainUsage(
  repository: UsageRepository,
  retentionHours: number,
  now = Date.now(),
): Promise<{ rolledUp: number }> {
  await sampleStoredBytes(repository, now);
  const gauges = new Set(USAGE_METRIC_NAMES.filter((m) => USAGE_METRICS[m].gauge));
  const rolledUp = await repository.rollUp(Math.floor(now / 1000) - retentionHours * 3600, gauges);
  return { rolledUp };
}
