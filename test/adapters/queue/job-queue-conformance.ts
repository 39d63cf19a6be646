import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type JobContext,
  type JobQueue,
  type JobQueueObserver,
  PermanentJobError,
} from '../../../src/core/jobs/job-queue.js';
import { registerCrashConformance } from './job-queue-crash-conformance.js';
import { registerObserverConformance } from './job-queue-observer-conformance.js';
import { sleep, waitFor, waitForState } from './job-queue-waits.js';

export interface QueueOptions {
  workerId?: string;
  pollIntervalMs?: number;
  observer?: JobQueueObserver;
}

/** One fresh database shared by the queue instances of one test; each instance has its own connection, like a process. */
export interface QueueFixture {
  createQueue(options?: QueueOptions): Promise<JobQueue>;
  /** How a child process opens the same database. */
  databaseUrl: string;
  schema?: string;
  /** Stops every queue created here, then drops the database. */
  close(): Promise<void>;
}

export type QueueFixtureFactory = () => Promise<QueueFixture>;

/** The contract every JobQueue implementation must meet, run against `open`. */
export function registerJobQueueConformance(name: string, open: QueueFixtureFactory): void {
  const withFixture = (fn: (fx: QueueFixture) => Promise<void>) => async () => {
    const fx = await open();
    try {
      await fn(fx);
    } finally {
      await fx.close();
    }
  };

  test(
    `${name}: runs an enqueued job once with its payload intact`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      const payload = {
        asset: 'a1',
        sizes: [1, 2.5, -3],
        nested: { ok: true, none: null },
        text: 'é ✓ 😀 "q"',
      };
      const seen: JobContext[] = [];
      queue.work('probe', async (job) => void seen.push(job), { concurrency: 1 });
      await queue.start();
      const id = await queue.enqueue('probe', payload);
      const info = await waitForState(queue, id, 'completed');
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0]!.payload, payload);
      assert.equal(seen[0]!.id, id);
      assert.equal(seen[0]!.kind, 'probe');
      assert.equal(seen[0]!.attempt, 1);
      assert.deepEqual(info.payload, payload);
      assert.equal(info.attempt, 1);
      assert.equal(info.maxAttempts, 5);
      assert.equal(info.lastError, undefined);
      assert.ok(info.updatedAt.getTime() >= info.createdAt.getTime());
      assert.equal(await queue.get('00000000-0000-0000-0000-000000000000'), null);
    }),
  );

  test(
    `${name}: retries with exponential backoff, then fails with the last error`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue({ pollIntervalMs: 20 });
      const starts: number[] = [];
      queue.work(
        'flaky',
        async (job) => {
          starts.push(Date.now());
          throw new Error(`boom ${job.attempt}`);
        },
        { concurrency: 1 },
      );
      await queue.start();
      const id = await queue.enqueue('flaky', {}, { maxAttempts: 3, backoffMs: 300 });
      const info = await waitForState(queue, id, 'failed', 10_000);
      assert.equal(starts.length, 3);
      assert.equal(info.attempt, 3);
      assert.match(info.lastError ?? '', /boom 3/);
      const [first, second] = [starts[1]! - starts[0]!, starts[2]! - starts[1]!];
      // 300 ms then 600 ms (+ up to 10% jitter); a few ms of slack for clock reads.
      assert.ok(first >= 290 && first < 1000, `first retry after ${first} ms`);
      assert.ok(second >= 590 && second < 1500, `second retry after ${second} ms`);
      await sleep(300);
      assert.equal(starts.length, 3, 'a failed job runs no more');
    }),
  );

  test(
    `${name}: PermanentJobError fails the job at once`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      let runs = 0;
      queue.work(
        'bad-input',
        async () => {
          runs++;
          throw new PermanentJobError('not a video');
        },
        { concurrency: 1 },
      );
      await queue.start();
      const id = await queue.enqueue('bad-input', {}, { maxAttempts: 5, backoffMs: 10 });
      const info = await waitForState(queue, id, 'failed');
      await sleep(200);
      assert.equal(runs, 1);
      assert.equal(info.attempt, 1);
      assert.match(info.lastError ?? '', /not a video/);
    }),
  );

  test(
    `${name}: a singleton key dedups queued and active jobs of one kind`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      const a = await queue.enqueue('transcode', { n: 1 }, { singletonKey: 'asset-1' });
      assert.equal(await queue.enqueue('transcode', { n: 2 }, { singletonKey: 'asset-1' }), a);
      assert.notEqual(await queue.enqueue('transcode', { n: 3 }, { singletonKey: 'asset-2' }), a);
      assert.notEqual(
        await queue.enqueue('thumbnail', { n: 4 }, { singletonKey: 'asset-1' }),
        a,
        'keys are per kind',
      );
      assert.notEqual(await queue.enqueue('transcode', { n: 5 }), a, 'no key, no dedup');

      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const ran: unknown[] = [];
      queue.work(
        'transcode',
        async (job) => {
          ran.push(job.payload.n);
          if (job.id === a) await gate;
        },
        { concurrency: 3 },
      );
      await queue.start();
      await waitForState(queue, a, 'active');
      assert.equal(
        await queue.enqueue('transcode', { n: 6 }, { singletonKey: 'asset-1' }),
        a,
        'active dedups too',
      );
      release();
      await waitForState(queue, a, 'completed');
      const after = await queue.enqueue('transcode', { n: 7 }, { singletonKey: 'asset-1' });
      assert.notEqual(after, a, 'a finished job frees its key');
      await waitForState(queue, after, 'completed');
      assert.deepEqual((await queue.get(a))!.payload, { n: 1 });
      assert.ok(!ran.includes(2) && !ran.includes(6));
    }),
  );

  test(
    `${name}: a delayed job waits for its time`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue({ pollIntervalMs: 20 });
      let startedAt = 0;
      queue.work(
        'later',
        async () => {
          startedAt = Date.now();
        },
        { concurrency: 1 },
      );
      await queue.start();
      const enqueuedAt = Date.now();
      const id = await queue.enqueue('later', {}, { delayMs: 800 });
      await sleep(400);
      assert.equal((await queue.get(id))!.state, 'queued');
      const info = await waitForState(queue, id, 'completed');
      assert.ok(startedAt - enqueuedAt >= 780, `started ${startedAt - enqueuedAt} ms after enqueue`);
      assert.ok(info.runAt.getTime() - info.createdAt.getTime() >= 790);
    }),
  );

  test(
    `${name}: never runs more jobs of a kind at once than its concurrency`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      let running = 0;
      let maxRunning = 0;
      queue.work(
        'resize',
        async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(120);
          running--;
        },
        { concurrency: 3 },
      );
      let otherRunning = 0;
      queue.work(
        'fetch',
        async () => {
          otherRunning++;
          await sleep(50);
        },
        { concurrency: 1 },
      );
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => queue.enqueue('resize', { i })));
      const other = await queue.enqueue('fetch', {});
      await queue.start();
      for (const id of ids) await waitForState(queue, id, 'completed');
      await waitForState(queue, other, 'completed');
      assert.equal(maxRunning, 3);
      assert.equal(otherRunning, 1);
    }),
  );

  test(
    `${name}: heartbeats keep a long job's lease and record progress`,
    withFixture(async (fx) => {
      const a = await fx.createQueue();
      const b = await fx.createQueue({ pollIntervalMs: 50 });
      const attempts: string[] = [];
      const handler = (who: string) => async (job: JobContext) => {
        attempts.push(`${who}:${job.attempt}`);
        for (let i = 1; i <= 10; i++) {
          await sleep(250);
          await job.heartbeat(i / 10);
        }
      };
      a.work('long', handler('a'), { concurrency: 1 });
      await a.start();
      const id = await a.enqueue('long', {}, { leaseSeconds: 1 });
      await waitForState(a, id, 'active');
      b.work('long', handler('b'), { concurrency: 1 });
      await b.start();
      await waitFor(async () => ((await a.get(id))!.progress ?? 0) >= 0.3, 5_000, 'progress reported');
      const info = await waitForState(a, id, 'completed', 10_000);
      assert.deepEqual(attempts, ['a:1'], 'a 2.5 s job on a 1 s lease ran once, on its first attempt');
      assert.equal(info.attempt, 1);
      assert.equal(info.progress, 1);
    }),
  );

  test(
    `${name}: a handler that outlives its lease without heartbeat is aborted and retried`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue({ pollIntervalMs: 50 });
      const reasons: string[] = [];
      queue.work(
        'stuck',
        async (job) => {
          if (job.attempt > 1) return;
          await new Promise<void>((resolve) =>
            job.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          reasons.push(String(job.signal.reason));
          throw job.signal.reason;
        },
        { concurrency: 2 },
      );
      await queue.start();
      const t0 = Date.now();
      const id = await queue.enqueue('stuck', {}, { leaseSeconds: 1, backoffMs: 10 });
      const info = await waitForState(queue, id, 'completed', 5_000);
      assert.ok(Date.now() - t0 >= 950);
      assert.equal(info.attempt, 2);
      assert.equal(reasons.length, 1);
      assert.match(reasons[0]!, /lease/);
    }),
  );

  test(
    `${name}: cancel drops a queued job and aborts a running one`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      const queued = await queue.enqueue('cancel-me', {}, { delayMs: 60_000 });
      await queue.cancel(queued);
      assert.equal((await queue.get(queued))!.state, 'cancelled');

      let aborted = false;
      queue.work(
        'cancel-me',
        async (job) => {
          await new Promise<void>((resolve) =>
            job.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          aborted = true;
          throw job.signal.reason;
        },
        { concurrency: 1 },
      );
      await queue.start();
      const running = await queue.enqueue('cancel-me', {});
      await waitForState(queue, running, 'active');
      await queue.cancel(running);
      await waitFor(async () => aborted, 5_000, 'signal aborted');
      await sleep(100);
      assert.equal((await queue.get(running))!.state, 'cancelled', 'the abort is not recorded as a failure');
      await queue.cancel(running);
    }),
  );

  test(
    `${name}: depth counts queued, active and failed jobs per kind`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      queue.work('busy', async () => gate, { concurrency: 1 });
      queue.work(
        'broken',
        async () => {
          throw new PermanentJobError('no');
        },
        { concurrency: 1 },
      );
      const active = await queue.enqueue('busy', {});
      await queue.enqueue('busy', {});
      await queue.enqueue('busy', {});
      const broken = await queue.enqueue('broken', {});
      await queue.enqueue('idle', {});
      await queue.start();
      await waitForState(queue, active, 'active');
      await waitForState(queue, broken, 'failed');
      assert.deepEqual(await queue.depth(), [
        { kind: 'broken', queued: 0, active: 0, failed: 1 },
        { kind: 'busy', queued: 2, active: 1, failed: 0 },
        { kind: 'idle', queued: 1, active: 0, failed: 0 },
      ]);
      release();
    }),
  );

  test(
    `${name}: pruneCompleted deletes old finished jobs and keeps the rest`,
    withFixture(async (fx) => {
      const queue = await fx.createQueue();
      queue.work('done', async () => {}, { concurrency: 2 });
      await queue.start();
      const done = await queue.enqueue('done', {});
      const waiting = await queue.enqueue('done', {}, { delayMs: 60_000 });
      const cancelled = await queue.enqueue('other', {});
      await queue.cancel(cancelled);
      await waitForState(queue, done, 'completed');
      assert.equal(await queue.pruneCompleted(60_000), 0, 'nothing is a minute old yet');
      await sleep(50);
      assert.equal(await queue.pruneCompleted(10), 2);
      assert.equal(await queue.get(done), null);
      assert.equal(await queue.get(cancelled), null);
      assert.equal((await queue.get(waiting))!.state, 'queued');
    }),
  );

  test(
    `${name}: a queued job survives a restart`,
    withFixture(async (fx) => {
      const first = await fx.createQueue();
      first.work(
        'survive',
        async () => {
          throw new Error('the first process must not run it');
        },
        { concurrency: 1 },
      );
      const id = await first.enqueue('survive', { keep: 'me' }, { delayMs: 300 });
      await first.start();
      await first.stop();
      const second = await fx.createQueue();
      let payload: unknown;
      second.work(
        'survive',
        async (job) => {
          payload = job.payload;
        },
        { concurrency: 1 },
      );
      await second.start();
      const info = await waitForState(second, id, 'completed');
      assert.deepEqual(payload, { keep: 'me' });
      assert.equal(info.attempt, 1);
    }),
  );

  test(
    `${name}: stop waits for running jobs, then aborts and releases the late ones`,
    withFixture(async (fx) => {
      const first = await fx.createQueue();
      let quickDone = false;
      let slowAborted = false;
      first.work(
        'quick',
        async () => {
          await sleep(150);
          quickDone = true;
        },
        { concurrency: 1 },
      );
      first.work(
        'slow',
        async (job) => {
          await new Promise<void>((resolve) =>
            job.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          slowAborted = true;
          throw new Error('aborted');
        },
        { concurrency: 1 },
      );
      const quick = await first.enqueue('quick', {});
      const slow = await first.enqueue('slow', {});
      await first.start();
      await waitForState(first, quick, 'active');
      await waitForState(first, slow, 'active');
      const t0 = Date.now();
      await first.stop(400);
      assert.ok(Date.now() - t0 >= 390, 'stop waited for the grace period');
      assert.ok(quickDone && slowAborted);
      assert.equal((await first.get(quick))!.state, 'completed');
      const released = (await first.get(slow))!;
      assert.equal(released.state, 'queued');
      assert.equal(released.attempt, 0, 'a released attempt does not count');

      const second = await fx.createQueue();
      second.work('slow', async () => {}, { concurrency: 1 });
      await second.start();
      assert.equal((await waitForState(second, slow, 'completed')).attempt, 1);
    }),
  );

  test(
    `${name}: two consumers on one database run each of 50 jobs exactly once`,
    withFixture(async (fx) => {
      const producer = await fx.createQueue();
      const consumers = [
        await fx.createQueue({ pollIntervalMs: 30 }),
        await fx.createQueue({ pollIntervalMs: 30 }),
      ];
      const runs = new Map<number, number>();
      const byConsumer = [0, 0];
      consumers.forEach((queue, c) => {
        queue.work(
          'once',
          async (job) => {
            const n = job.payload.n as number;
            runs.set(n, (runs.get(n) ?? 0) + 1);
            byConsumer[c]!++;
            await sleep(5 + Math.random() * 20);
          },
          { concurrency: 3 },
        );
      });
      await Promise.all(consumers.map((q) => q.start()));
      const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => producer.enqueue('once', { n })));
      for (const id of ids) await waitForState(producer, id, 'completed', 20_000);
      await sleep(200);
      assert.equal(runs.size, 50);
      for (const [n, count] of runs) assert.equal(count, 1, `job ${n} ran ${count} times`);
      assert.equal(byConsumer[0]! + byConsumer[1]!, 50);
      assert.deepEqual(await producer.depth(), []);
    }),
  );

  registerCrashConformance(name, withFixture);
  registerObserverConformance(name, withFixture);
}
