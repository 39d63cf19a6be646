import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import type { AuthFailureCounter } from '../../../src/core/limits/auth-failure-counter.js';
import { FailedAuthLimiter } from '../../../src/core/limits/failed-auth-limiter.js';

/** The counter's contract in memory (the database one is exercised by the security tests). */
class MemoryCounter implements AuthFailureCounter {
  readonly counts = new Map<string, number>();
  async increment(key: string, windowStart: number) {
    const k = `${key}@${windowStart}`;
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    return n;
  }
  async prune(before: number) {
    for (const k of this.counts.keys()) if (Number(k.split('@')[1]) < before) this.counts.delete(k);
  }
}

const failure = () => new KilnError('unauthorized', 'no');

function setup(limits = { perIp: 3, perAccount: 0, windowSeconds: 60 }) {
  let now = 120_000; // the start of a window
  const counter = new MemoryCounter();
  const limiter = new FailedAuthLimiter(counter, limits, () => now);
  return { limiter, counter, advance: (ms: number) => (now += ms) };
}

test('the limit is per window: past it a 429 with Retry-After to the end of the window, then a block', async () => {
  const { limiter, advance } = setup();
  const who = { ip: '192.0.2.1' };
  for (let i = 0; i < 3; i++) assert.equal((await limiter.fail(who, failure())).code, 'unauthorized');
  advance(20_000);
  const refused = await limiter.fail(who, failure());
  assert.equal(refused.code, 'rate_limited');
  assert.equal(refused.retryAfter, 40);
  assert.throws(
    () => limiter.check(who),
    (e: KilnError) => e.code === 'rate_limited' && e.retryAfter === 40,
  );
  assert.doesNotThrow(() => limiter.check({ ip: '192.0.2.2' }));
  advance(40_000); // the next window: the block is over and the count starts again
  assert.doesNotThrow(() => limiter.check(who));
  assert.equal((await limiter.fail(who, failure())).code, 'unauthorized');
});

test('accounts count across addresses; an account is only counted when named', async () => {
  const { limiter } = setup({ perIp: 0, perAccount: 2, windowSeconds: 60 });
  await limiter.fail({ ip: 'a', accountId: 'x' }, failure());
  await limiter.fail({ ip: 'b', accountId: 'x' }, failure());
  assert.equal((await limiter.fail({ ip: 'c', accountId: 'x' }, failure())).code, 'rate_limited');
  assert.throws(() => limiter.check({ ip: 'd', accountId: 'x' }));
  assert.doesNotThrow(() => limiter.check({ ip: 'd', accountId: 'y' }));
  assert.equal((await limiter.fail({ ip: 'e' }, failure())).code, 'unauthorized');
});

test('old windows are pruned; with both limits at 0 nothing is counted', async () => {
  const { limiter, counter, advance } = setup();
  await limiter.fail({ ip: 'a' }, failure());
  advance(61_000);
  await limiter.fail({ ip: 'a' }, failure());
  assert.deepEqual([...counter.counts.keys()], ['ip:a@180']);
  const off = setup({ perIp: 0, perAccount: 0, windowSeconds: 60 });
  assert.equal(off.limiter.enabled, false);
  await off.limiter.fail({ ip: 'a', accountId: 'x' }, failure());
  assert.equal(off.counter.counts.size, 0);
});
