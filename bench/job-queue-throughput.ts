// Throughput of DbJobQueue with no-op handlers: enqueue N jobs, drain them with one or two
// consumer instances. SQLite by default; KILN_TEST_DATABASE_URL=postgres://... for PostgreSQL.
//   node --import tsx bench/job-queue-throughput.ts [jobs=2000] [consumers=2] [concurrency=8]
import { openDatabase } from '../src/adapters/db/database.js';
import { DbJobQueue } from '../src/adapters/queue/db-job-queue.js';
import { openTestDatabase } from '../test/support/test-database.js';

const [jobs = 2000, consumers = 2, concurrency = 8] = process.argv.slice(2).map(Number);
const base = await openTestDatabase();
const schema = base.schema ? { schema: base.schema } : {};
const producer = new DbJobQueue({ handle: base });

let t0 = performance.now();
for (let i = 0; i < jobs; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, jobs - i) }, (_, j) => producer.enqueue('noop', { n: i + j })),
  );
}
const enqueueMs = performance.now() - t0;

let done = 0;
let finish!: () => void;
const drained = new Promise<void>((resolve) => {
  finish = resolve;
});
const handles = await Promise.all(
  Array.from({ length: consumers }, () => openDatabase({ url: base.url, ...schema })),
);
const queues = handles.map((handle) => new DbJobQueue({ handle }));
for (const q of queues) {
  q.work(
    'noop',
    async () => {
      if (++done === jobs) finish();
    },
    { concurrency },
  );
}
t0 = performance.now();
await Promise.all(queues.map((q) => q.start()));
await drained;
const drainMs = performance.now() - t0;
await Promise.all(queues.map((q) => q.stop()));
await Promise.all(handles.map((h) => h.close()));
await base.close();

const db = process.env.KILN_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite';
console.log(`${db}: enqueue ${jobs} jobs: ${(jobs / (enqueueMs / 1000)).toFixed(0)}/s`);
console.log(`${db}: drain with ${consumers}x${concurrency}: ${(jobs / (drainMs / 1000)).toFixed(0)} jobs/s`);
