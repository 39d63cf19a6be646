import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type JobOutcome,
  type JobQueueObserver,
  PermanentJobError,
} from '../../../src/core/jobs/job-queue.js';
import type { QueueFixture } from './job-queue-conformance.js';
import { sleep, waitFor, waitForState } from './job-queue-waits.js';

type WithFixture = (fn: (fx: QueueFixture) => Promise<void>) => () => Promise<void>;

/** An observer that writes down what it is told. */
export function recordingObserver() {
  const events = {
    started: [] as string[],
    ended: [] as Array<{ kind: string; outcome: JobOutcome; seconds: number }>,
    expired: [] as Array<{ kind: string; count: number }>,
    polls: 0,
  };
  const observer: JobQueueObserver = {
    attemptStarted: (kind) => void events.started.push(kind),
    attemptEnded: (kind, outcome, seconds) => void events.ended.push({ kind, outcome, seconds }),
    leasesExpired: (kind, count) => void events.expired.push({ kind, count }),
    polled: () => void events.polls++,
  };
  return { observer, events };
}

/** What the queue tells its observer (metrics): every attempt's start and outcome, lease expiries, polls. */
export function registerObserverConformance(name: string, withFixture: WithFixture): void {
  test(
    `${name}: tells its observer each attempt's outcome, and its loop status`,
    withFixture(async (fx) => {
      const { observer, events } = recordingObserver();
      const queue = await fx.createQueue({ observer, pollIntervalMs: 50 });
      assert.equal(queue.loopStatus().running, false);
      queue.work(
        'flaky',
        async (job) => {
          await sleep(30);
          if (job.attempt === 1) throw new Error('transient');
        },
        { concurrency: 1 },
      );
      queue.work(
        'doomed',
        async () => {
          throw new PermanentJobError('bad input');
        },
        { concurrency: 1 },
      );
      await queue.start();
      const flaky = await queue.enqueue('flaky', {}, { backoffMs: 10 });
      const doomed = await queue.enqueue('doomed', {});
      await waitForState(queue, flaky, 'completed');
      await waitForState(queue, doomed, 'failed');
      await waitFor(async () => events.ended.length === 3, 5_000, 'three attempts to end');
      const outcomes = events.ended.map((e) => `${e.kind}:${e.outcome}`).sort();
      assert.deepEqual(outcomes, ['doomed:failed', 'flaky:completed', 'flaky:retried']);
      assert.deepEqual([...events.started].sort(), ['doomed', 'flaky', 'flaky']);
      for (const e of events.ended.filter((x) => x.kind === 'flaky'))
        assert.ok(e.seconds >= 0.02, `${e.seconds}`);
      assert.ok(events.polls > 0);
      const status = queue.loopStatus();
      assert.equal(status.running, true);
      assert.ok(Date.now() - status.lastPollAt!.getTime() < 2_000);
      await queue.stop(1_000);
      assert.equal(queue.loopStatus().running, false);
    }),
  );

  test(
    `${name}: an attempt that overran its lease reports lease_lost; the worker that took over reports the expiry`,
    withFixture(async (fx) => {
      const slow = recordingObserver();
      const rescuer = recordingObserver();
      const first = await fx.createQueue({ observer: slow.observer, pollIntervalMs: 50 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Ignores its abort signal on purpose, like a handler stuck in a call that cannot be cancelled.
      first.work('stuck', () => held, { concurrency: 1 });
      await first.start();
      const id = await first.enqueue('stuck', {}, { leaseSeconds: 1, backoffMs: 10 });
      await waitFor(async () => slow.events.started.length === 1, 5_000, 'the first attempt to start');
      const second = await fx.createQueue({ observer: rescuer.observer, pollIntervalMs: 50 });
      second.work('stuck', async () => {}, { concurrency: 1 });
      await second.start();
      const done = await waitForState(second, id, 'completed', 10_000);
      assert.equal(done.attempt, 2);
      assert.deepEqual(rescuer.events.expired, [{ kind: 'stuck', count: 1 }]);
      release();
      await waitFor(async () => slow.events.ended.length === 1, 5_000, 'the first attempt to end');
      assert.equal(slow.events.ended[0]!.outcome, 'lease_lost');
      assert.deepEqual(
        rescuer.events.ended.map((e) => e.outcome),
        ['completed'],
      );
    }),
  );
}
