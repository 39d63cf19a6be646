import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMultipartCapable } from '../../src/core/blobs/blob-store.js';
import { HotCache } from '../../src/core/delivery/hot-cache.js';
import { forgetDeletedBlobs } from '../../src/runtime/forget-deleted-blobs.js';
import { openTestBlobStore } from '../support/test-blob-store.js';

test('deleting a blob (or its prefix) through the store drops its hot entries', async () => {
  const blobs = await openTestBlobStore();
  try {
    const { store } = blobs;
    const hot = new HotCache(1 << 20, 1 << 20, 60_000);
    forgetDeletedBlobs(store, hot);
    assert.equal(isMultipartCapable(store), true, 'capabilities still discovered');
    await store.put('variants/abc/1', Buffer.from('one'));
    await store.put('originals/x', Buffer.from('two'));
    hot.set('variants/abc/1', Buffer.from('one'));
    hot.set('originals/x\n"sha"\n0\n3', Buffer.from('two'));
    hot.set('variants/other/2', Buffer.from('three'));
    await store.deletePrefix('variants/abc/');
    assert.equal(hot.get('variants/abc/1'), undefined);
    assert.ok(hot.get('variants/other/2'));
    await store.delete('originals/x');
    assert.equal(hot.get('originals/x\n"sha"\n0\n3'), undefined);
    assert.equal(await store.stat('originals/x'), null);
  } finally {
    await blobs.close();
  }
});
