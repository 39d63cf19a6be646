import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotCache } from '../../../src/core/delivery/hot-cache.js';

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

test('bounded by bytes: the least recently used entries go first', () => {
  const cache = new HotCache(100, 60);
  cache.set('a', bytes(40));
  cache.set('b', bytes(40));
  assert.ok(cache.get('a'), 'a is now the most recently used');
  cache.set('c', bytes(40));
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.ok(cache.get('a'));
  assert.ok(cache.get('c'));
  assert.ok(cache.size <= 100);
  assert.equal(cache.size, 80);
});

test('entries over the per-entry limit are never kept; 0 disables the cache', () => {
  const cache = new HotCache(100, 60);
  cache.set('big', bytes(61));
  assert.equal(cache.get('big'), undefined);
  assert.equal(cache.size, 0);
  const off = new HotCache(0, 60);
  off.set('a', bytes(1));
  assert.equal(off.get('a'), undefined);
});

test('replacing, deleting and deleting by prefix keep the byte count right', () => {
  const cache = new HotCache(1000, 1000);
  cache.set('v/1', bytes(10));
  cache.set('v/1', bytes(20, 2));
  assert.equal(cache.size, 20);
  assert.equal(cache.get('v/1')![0], 2);
  cache.set('v/2', bytes(5));
  cache.set('w/1', bytes(7));
  cache.deletePrefix('v/');
  assert.equal(cache.size, 7);
  assert.equal(cache.count, 1);
  cache.delete('w/1');
  assert.equal(cache.size, 0);
});

test('many entries stay within the budget', () => {
  const cache = new HotCache(10_000, 1_000);
  for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, bytes(1 + (i % 997)));
  assert.ok(cache.size <= 10_000);
  assert.ok(cache.count > 0);
});

test('entries older than maxAgeMs are read again (a delete on another node is seen in that time)', async () => {
  const cache = new HotCache(1000, 1000, 20);
  cache.set('a', bytes(10));
  assert.ok(cache.get('a'));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0);
});
