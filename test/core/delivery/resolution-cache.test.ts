import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteClock } from '../../../src/adapters/db/write-clock.js';
import { ResolutionCache } from '../../../src/core/delivery/resolution-cache.js';

function counting<T>(value: () => T) {
  let calls = 0;
  return {
    load: async () => {
      calls++;
      return value();
    },
    get calls() {
      return calls;
    },
  };
}

test('a cached value is reused until a table it depends on is written', async () => {
  const clock = new WriteClock();
  const cache = new ResolutionCache(clock, { ttlMs: 60_000, maxEntries: 10 });
  let row = 'v1';
  const l = counting(() => row);
  assert.equal(await cache.get('k', ['assets'], l.load), 'v1');
  assert.equal(await cache.get('k', ['assets'], l.load), 'v1');
  assert.equal(l.calls, 1);
  clock.tick(['renditions']);
  assert.equal(await cache.get('k', ['assets'], l.load), 'v1', 'another table: still valid');
  assert.equal(l.calls, 1);
  row = 'v2';
  clock.tick(['assets']);
  assert.equal(await cache.get('k', ['assets'], l.load), 'v2');
  assert.equal(l.calls, 2);
  clock.tick('all');
  assert.equal(await cache.get('k', ['assets'], l.load), 'v2');
  assert.equal(l.calls, 3, 'a write to an unknown table invalidates everything');
});

test('a write during the load makes that entry stale at once', async () => {
  const clock = new WriteClock();
  const cache = new ResolutionCache(clock, { ttlMs: 60_000, maxEntries: 10 });
  let row = 'old';
  await cache.get('k', ['assets'], async () => {
    const seen = row;
    row = 'new';
    clock.tick(['assets']); // the write commits while the read is in flight
    return seen;
  });
  assert.equal(await cache.get('k', ['assets'], async () => row), 'new');
});

test('entries expire after the TTL (writes by other nodes); failures and nulls are not cached', async () => {
  const clock = new WriteClock();
  const cache = new ResolutionCache(clock, { ttlMs: 30, maxEntries: 10 });
  const l = counting(() => 'x');
  await cache.get('k', ['assets'], l.load);
  await new Promise((r) => setTimeout(r, 50));
  await cache.get('k', ['assets'], l.load);
  assert.equal(l.calls, 2);
  const nulls = counting(() => null);
  await cache.get('n', ['assets'], nulls.load);
  await cache.get('n', ['assets'], nulls.load);
  assert.equal(nulls.calls, 2);
  await assert.rejects(cache.get('e', ['assets'], () => Promise.reject(new Error('boom'))));
  assert.equal(cache.size, 1);
});

test('bounded by entry count, least recently used out; ttl 0 disables', async () => {
  const clock = new WriteClock();
  const cache = new ResolutionCache(clock, { ttlMs: 60_000, maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) await cache.get(k, [], async () => k);
  await cache.get('a', [], async () => 'a');
  await cache.get('d', [], async () => 'd');
  assert.equal(cache.size, 3);
  const l = counting(() => 'b2');
  assert.equal(await cache.get('b', [], l.load), 'b2', 'b was evicted');
  const off = new ResolutionCache(clock, { ttlMs: 0, maxEntries: 3 });
  const o = counting(() => 1);
  await off.get('k', [], o.load);
  await off.get('k', [], o.load);
  assert.equal(o.calls, 2);
});
