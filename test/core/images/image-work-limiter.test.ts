import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KilnError } from '../../../src/core/errors/kiln-error.js';
import { ImageWorkLimiter } from '../../../src/core/images/image-work-limiter.js';

/** A job that runs until released, so the test decides when work ends (no timing). */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, job: () => opened };
}

test('admits by cost within the budget, first come first served, and fails fast when the queue is full', async () => {
  const limiter = new ImageWorkLimiter(8, 2, 100);
  const a = gate();
  const b = gate();
  const c = gate();
  const running = [limiter.run(a.job, 60), limiter.run(b.job, 30)];
  assert.equal(limiter.active, 2);
  assert.equal(limiter.admittedBytes, 90);
  // 60 + 30 + 20 > 100: waits, and a small newcomer (5 would fit) queues behind it.
  const waiting = [limiter.run(c.job, 20), limiter.run(async () => {}, 5)];
  assert.equal(limiter.queued, 2);
  await assert.rejects(
    limiter.run(async () => {}, 1),
    (err: KilnError) => err.code === 'unavailable',
  );
  a.open();
  await running[0];
  // 30 + 20 + 5 now fit: both waiters are admitted in order.
  assert.equal(limiter.queued, 0);
  assert.equal(limiter.admittedBytes, 55);
  b.open();
  c.open();
  await Promise.all([...running, ...waiting]);
  assert.equal(limiter.admittedBytes, 0);
  assert.equal(limiter.active, 0);
  assert.equal(limiter.peakAdmittedBytes, 90);
  assert.equal(limiter.refusedBusy, 1);
});

test('refuses a job whose cost alone exceeds the budget, without running it', async () => {
  const limiter = new ImageWorkLimiter(4, 4, 100);
  let ran = false;
  await assert.rejects(
    limiter.run(async () => {
      ran = true;
    }, 101),
    (err: KilnError) => err.code === 'limit_exceeded' && /too large to process/.test(err.message),
  );
  assert.equal(ran, false);
  assert.equal(limiter.refusedTooCostly, 1);
});

test('the count still caps concurrency when the jobs are cheap', async () => {
  const limiter = new ImageWorkLimiter(2, 10, 1000);
  const gates = [gate(), gate(), gate()];
  const runs = gates.map((g) => limiter.run(g.job, 1));
  assert.equal(limiter.active, 2);
  assert.equal(limiter.queued, 1);
  for (const g of gates) g.open();
  await Promise.all(runs);
  assert.equal(limiter.peakActive, 2);
});
