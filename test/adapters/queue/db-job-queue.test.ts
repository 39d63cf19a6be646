import { DbJobQueue } from '../../../src/adapters/queue/db-job-queue.js';
import type { JobQueue } from '../../../src/core/jobs/job-queue.js';
import { openTestDatabase } from '../../support/test-database.js';
import { registerJobQueueConformance } from './job-queue-conformance.js';

// SQLite in a temp file, or a fresh PostgreSQL schema in the scale-out run.
registerJobQueueConformance('DbJobQueue', async () => {
  const handle = await openTestDatabase();
  const queues: JobQueue[] = [];
  return {
    databaseUrl: handle.url,
    ...(handle.schema ? { schema: handle.schema } : {}),
    createQueue: (options = {}) => {
      const queue = new DbJobQueue({ handle, completedRetentionMs: 0, ...options });
      queues.push(queue);
      return queue;
    },
    close: async () => {
      await Promise.all(queues.map((q) => q.stop(1_000)));
      await handle.close();
    },
  };
});
