import { type DatabaseHandle, openDatabase } from '../../../src/adapters/db/database.js';
import { DbJobQueue } from '../../../src/adapters/queue/db-job-queue.js';
import { openTestDatabase } from '../../support/test-database.js';
import { registerJobQueueConformance } from './job-queue-conformance.js';

// SQLite in a temp file, or a fresh PostgreSQL schema in the scale-out run. Each queue instance
// gets its own connection (pool), as separate processes would.
registerJobQueueConformance('DbJobQueue', async () => {
  const base = await openTestDatabase();
  const opened: { queue: DbJobQueue; handle: DatabaseHandle }[] = [];
  return {
    databaseUrl: base.url,
    ...(base.schema ? { schema: base.schema } : {}),
    createQueue: async (options = {}) => {
      const handle = await openDatabase({
        url: base.url,
        ...(base.schema ? { schema: base.schema } : {}),
        poolSize: 3,
      });
      const queue = new DbJobQueue({ handle, completedRetentionMs: 0, ...options });
      opened.push({ queue, handle });
      return queue;
    },
    close: async () => {
      await Promise.all(opened.map(({ queue }) => queue.stop(1_000)));
      await Promise.all(opened.map(({ handle }) => handle.close()));
      await base.close();
    },
  };
});
