import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBlobStore } from '../../../src/adapters/blobs/create-blob-store.js';
import { FsBlobStore } from '../../../src/adapters/blobs/fs-blob-store.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { fsLeftovers } from '../../support/blob-store-leftovers.js';
import { blobStoreConformance } from './blob-store-conformance.js';

blobStoreConformance('FsBlobStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-fs-blobs-'));
  const root = join(dir, 'root');
  const store = await new FsBlobStore(root).init();
  return {
    store,
    leftovers: () => fsLeftovers(root),
    close: async () => {
      // Nothing a test wrote may have escaped the root.
      assert.deepEqual(readdirSync(dir), ['root']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('FsBlobStore specifics', () => {
  let dir: string;
  let store: FsBlobStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-fs-blobs-'));
    store = await new FsBlobStore(join(dir, 'root')).init();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('its own directories are not usable as keys and are not listed', async () => {
    for (const key of ['.tmp/x', '.multipart/y']) {
      await assert.rejects(store.put(key, Buffer.from('x')), { code: 'invalid_input' });
    }
    await store.put('visible', Buffer.from('x'));
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    assert.deepEqual(keys, ['visible']);
  });

  test('a key under an existing file is a conflict, not a crash', async () => {
    await store.put('file', Buffer.from('x'));
    await assert.rejects(store.put('file/child', Buffer.from('y')), (err: unknown) => {
      return err instanceof KilnError && err.code === 'conflict';
    });
    assert.deepEqual(readdirSync(join(dir, 'root', '.tmp')), []);
  });

  test('upload ids are validated before touching the disk', async () => {
    await store.put('k', Buffer.from('x'));
    for (const id of ['../../k', '..', 'abc', 'A'.repeat(32)]) {
      await assert.rejects(store.listParts('k', id), { code: 'invalid_input' });
      await assert.rejects(store.abortMultipart('k', id), { code: 'invalid_input' });
    }
  });

  test('ping fails with unavailable when the root is gone', async () => {
    const gone = new FsBlobStore(join(dir, 'does-not-exist'));
    await assert.rejects(gone.ping(), { code: 'unavailable' });
    await store.ping();
  });
});

describe('createBlobStore', () => {
  test('defaults to <dataDir>/blobs and accepts file:// URLs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kiln-data-'));
    const byDefault = await createBlobStore({ dataDir });
    assert.ok(byDefault instanceof FsBlobStore);
    assert.equal(byDefault.root, join(dataDir, 'blobs'));
    const other = join(dataDir, 'elsewhere');
    const byUrl = await createBlobStore({ dataDir, storageUrl: `file://${other}` });
    assert.ok(byUrl instanceof FsBlobStore && byUrl.root === other);
    await byUrl.put('a', Buffer.from('x'));
    assert.ok(existsSync(join(other, 'a')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('rejects bad URLs naming KILN_STORAGE_URL', async () => {
    for (const storageUrl of [
      'nonsense',
      'http://x/y',
      's3:///prefix',
      's3://b/a%2F%2Fb',
      's3://b?endpoint=ftp://x',
      's3://b?accessKeyId=only',
    ]) {
      await assert.rejects(
        createBlobStore({ dataDir: tmpdir(), storageUrl }),
        /KILN_STORAGE_URL/,
        storageUrl,
      );
    }
  });
});
