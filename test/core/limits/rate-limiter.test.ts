import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { RateLimiter } from '../../../src/core/limits/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a full bucket at once, then refills continuously', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 100, () => now);
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('k').allowed, true);
    const denied = limiter.take('k');
    assert.equal(denied.allowed, false);
    assert.equal(denied.retryAfterSeconds, 1);
    now += 1000;
    assert.equal(limiter.take('k').allowed, true);
    assert.equal(limiter.take('k').allowed, false);
    now += 120_000;
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('k').allowed, true, `after refill ${i}`);
    assert.equal(limiter.take('other').allowed, true);
  });

  it('reports the wait until one token is back; consume throws rate_limited', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 100, () => now);
    limiter.consume('a', 'account');
    limiter.consume('a', 'account');
    assert.equal(limiter.take('a').retryAfterSeconds, 30);
    assert.throws(
      () => limiter.consume('a', 'account'),
      (err: unknown) => err instanceof KilnError && err.status === 429 && err.retryAfter === 30,
    );
    now += 30_000;
    limiter.consume('a', 'account');
  });

  it('is off at 0 and keeps a bounded number of keys', () => {
    const off = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) assert.equal(off.take('x').allowed, true);
    const now = 0;
    const small = new RateLimiter(1, 2, () => now);
    small.take('a');
    small.take('b');
    small.take('c'); // evicts a (least recently used): a starts with a fresh bucket
    assert.equal(small.take('a').allowed, true);
    assert.equal(small.take('c').allowed, false);
  });
});
