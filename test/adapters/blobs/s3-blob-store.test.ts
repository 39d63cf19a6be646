import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createBlobStore } from '../../../src/adapters/blobs/create-blob-store.js';
import { S3BlobStore } from '../../../src/adapters/blobs/s3-blob-store.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { s3Leftovers } from '../../support/blob-store-leftovers.js';
import { type S3TestServer, startS3Server } from '../../support/s3-server.js';
import { blobStoreConformance, readAll } from './blob-store-conformance.js';

// Always on s3rver, whatever KILN_TEST_STORAGE says: this file tests the S3 store itself.
blobStoreConformance('S3BlobStore on s3rver', async () => {
  const server = await startS3Server({ prefix: 'conformance' });
  const store = await createBlobStore({ storageUrl: server.storageUrl, dataDir: '/nonexistent' });
  assert.ok(store instanceof S3BlobStore);
  return {
    store,
    leftovers: () => s3Leftovers(server),
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
});

describe('S3BlobStore specifics', () => {
  let server: S3TestServer;
  let store: S3BlobStore;
  before(async () => {
    server = await startS3Server();
    store = new S3BlobStore({
      bucket: server.bucket,
      prefix: 'tenant/a',
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  });
  after(async () => {
    await store.close();
    await server.stop();
  });

  test('keys live under the prefix and come back without it', async () => {
    await store.put('x/y', Buffer.from('data'));
    const bare = new S3BlobStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    assert.equal((await bare.stat('tenant/a/x/y'))?.size, 4);
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    assert.deepEqual(keys, ['x/y']);
    await bare.close();
  });

  test('a presigned part URL accepts a plain fetch PUT; a presigned GET reads the result', async () => {
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1000);
    const uploadId = await store.createMultipart('direct/upload.bin');
    for (const [n, body] of [
      [2, part2],
      [1, part1],
    ] as const) {
      const url = await store.presignPartUpload('direct/upload.bin', uploadId, n, 300);
      assert.ok(url.startsWith(server.endpoint), url);
      const res = await fetch(url, { method: 'PUT', body });
      assert.equal(res.status, 200, await res.text());
      assert.ok(res.headers.get('etag'));
    }
    assert.deepEqual(
      (await store.listParts('direct/upload.bin', uploadId)).map((p) => p.size),
      [part1.length, 1000],
    );
    await store.completeMultipart('direct/upload.bin', uploadId, [1, 2]);
    const expected = Buffer.concat([part1, part2]);
    assert.ok((await readAll(await store.get('direct/upload.bin'))).equals(expected));
    const getUrl = await store.presignGet('direct/upload.bin', 300);
    const res = await fetch(getUrl, { headers: { range: 'bytes=0-9' } });
    assert.equal(res.status, 206);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(expected.subarray(0, 10)));
  });

  test('ping answers; a store that is down gives KilnError unavailable (503), not SDK internals', async () => {
    await store.ping();
    const down = await startS3Server();
    const orphan = new S3BlobStore({
      bucket: down.bucket,
      endpoint: down.endpoint,
      credentials: { accessKeyId: down.accessKeyId, secretAccessKey: down.secretAccessKey },
    });
    await orphan.put('k', Buffer.from('x'));
    await down.stop();
    const checks: Array<() => Promise<unknown>> = [
      () => orphan.ping(),
      () => orphan.get('k'),
      () => orphan.stat('k'),
      () => orphan.put('k2', Buffer.from('y')),
      () => orphan.createMultipart('k3'),
    ];
    for (const check of checks) {
      await assert.rejects(check(), (err: unknown) => {
        assert.ok(err instanceof KilnError, String(err));
        assert.equal(err.code, 'unavailable');
        assert.equal(err.status, 503);
        assert.equal(err.message, 'Object storage is unavailable');
        return true;
      });
    }
    await orphan.close();
  });

  test('a missing bucket is unavailable, not not_found', async () => {
    const wrong = new S3BlobStore({
      bucket: 'no-such-bucket',
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    await assert.rejects(wrong.get('k'), { code: 'unavailable' });
    await wrong.close();
  });
});
