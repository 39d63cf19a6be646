import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../../../src/core/blobs/blob-store.js';
import { sendBlob } from '../../../src/http/delivery/send-blob.js';
import { samplePng } from '../../support/media-samples.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';

/** A real store with an optional delay before get(), to widen the "client left while opening" window. */
class SlowOpenStore implements BlobStore {
  openDelayMs = 0;
  gets = 0;
  constructor(private readonly inner: BlobStore) {}
  get kind() {
    return this.inner.kind;
  }
  async get(key: string, range?: ByteRange): Promise<Readable> {
    this.gets++;
    if (this.openDelayMs) await sleep(this.openDelayMs);
    return this.inner.get(key, range);
  }
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<BlobInfo> {
    return this.inner.put(key, body, options);
  }
  stat(key: string): Promise<BlobInfo | null> {
    return this.inner.stat(key);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  deletePrefix(prefix: string): Promise<void> {
    return this.inner.deletePrefix(prefix);
  }
  list(prefix: string): AsyncIterable<BlobInfo> {
    return this.inner.list(prefix);
  }
  copy(fromKey: string, toKey: string): Promise<void> {
    return this.inner.copy(fromKey, toKey);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * File descriptors this process holds open inside `root`: what a leaked blob stream would show (on S3
 * too: s3rver runs in this process, and its read of the object stays open while our stream does).
 */
async function openFilesUnder(root: string): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(root));
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

describe('sendBlob through a real Fastify server', () => {
  let blobs: TestBlobStore;
  let store: SlowOpenStore;
  let app: FastifyInstance;
  let base: string;
  const big = randomBytes(8 * 1024 * 1024);
  const unexpected: unknown[] = [];
  const onUnexpected = (err: unknown) => unexpected.push(err);

  before(async () => {
    process.on('uncaughtException', onUnexpected);
    process.on('unhandledRejection', onUnexpected);
    blobs = await openTestBlobStore();
    store = new SlowOpenStore(blobs.store);
    await store.put('media/big.bin', big);
    await store.put('media/pic.png', await samplePng());
    app = Fastify({ logger: false });
    app.get<{ Params: { '*': string } }>('/blobs/*', async (request, reply) => {
      const key = request.params['*'];
      const info = await store.stat(key);
      if (!info) return reply.code(404).send();
      const etag = createHash('sha256').update(key).digest('hex').slice(0, 16);
      return sendBlob(
        reply,
        request,
        store,
        { ...info, etag, contentType: key.endsWith('.png') ? 'image/png' : 'application/octet-stream' },
        {
          cacheControl: 'public, max-age=3600',
          disposition: { type: 'attachment', filename: 'café.bin' },
          extraHeaders: { 'access-control-allow-origin': '*', etag: 'must-not-win' },
          vary: ['Accept'],
        },
      );
    });
    // A just-rendered variant: its bytes are in memory, so nothing is read back from the store.
    app.get('/memory/big.bin', async (request, reply) =>
      sendBlob(
        reply,
        request,
        store,
        {
          key: 'media/big.bin',
          size: big.length,
          lastModified: new Date(0),
          etag: 'mem',
          contentType: 'application/octet-stream',
          data: big,
        },
        { cacheControl: 'public, max-age=60' },
      ),
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    // Keep-alive sockets of this file's fetches would otherwise hold close() for the keep-alive timeout.
    app.server.closeAllConnections();
    await app.close();
    await blobs.close();
    process.off('uncaughtException', onUnexpected);
    process.off('unhandledRejection', onUnexpected);
  });

  it('GET streams the whole blob with the delivery headers', async () => {
    const res = await fetch(`${base}/blobs/media/big.bin`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(big.length));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(res.headers.get('vary'), 'Accept');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('etag')!, /^"[0-9a-f]{16}"$/);
    assert.equal(
      res.headers.get('content-disposition'),
      'attachment; filename="caf_.bin"; filename*=UTF-8\'\'caf%C3%A9.bin',
    );
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(big));
  });

  it('sends bytes already in memory with the same answers, without reading the store', async () => {
    const before = store.gets;
    let res = await fetch(`${base}/memory/big.bin`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(big.length));
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(big));
    res = await fetch(`${base}/memory/big.bin`, { headers: { range: 'bytes=10-19' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 10-19/${big.length}`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(big.subarray(10, 20)));
    res = await fetch(`${base}/memory/big.bin`, { method: 'HEAD' });
    assert.equal(res.headers.get('content-length'), String(big.length));
    res = await fetch(`${base}/memory/big.bin`, { headers: { 'if-none-match': '"mem"' } });
    assert.equal(res.status, 304);
    assert.equal(store.gets, before);
  });

  it('serves single ranges, suffix ranges and 416', async () => {
    let res = await fetch(`${base}/blobs/media/big.bin`, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 1000-1999/${big.length}`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(big.subarray(1000, 2000)));

    res = await fetch(`${base}/blobs/media/big.bin`, { headers: { range: 'bytes=-500' } });
    assert.equal(res.status, 206);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(big.subarray(big.length - 500)));

    res = await fetch(`${base}/blobs/media/big.bin`, { headers: { range: `bytes=${big.length}-` } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), `bytes */${big.length}`);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  it('answers 304 to a matching If-None-Match, with validators and Vary', async () => {
    const first = await fetch(`${base}/blobs/media/pic.png`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const res = await fetch(`${base}/blobs/media/pic.png`, { headers: { 'if-none-match': etag } });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get('etag'), etag);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal(res.headers.get('last-modified'), first.headers.get('last-modified'));
    assert.equal(res.headers.get('vary'), 'Accept');
    const head = await fetch(`${base}/blobs/media/pic.png`, {
      method: 'HEAD',
      headers: { 'if-none-match': etag },
    });
    assert.equal(head.status, 304);
    assert.equal(head.headers.get('content-length'), null, 'a 304 must not claim a zero length');
  });

  it('HEAD gives the headers of a GET without reading the blob', async () => {
    const res = await fetch(`${base}/blobs/media/pic.png`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('content-length'), String((await store.stat('media/pic.png'))!.size));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  it('survives a client that aborts mid-download, closing the blob', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/blobs/media/big.bin`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    assert.ok(value && value.length > 0);
    assert.ok((await openFilesUnder(blobs.bytesDir)).length > 0, 'the blob is open while streaming');
    controller.abort();
    await eventually(async () => (await openFilesUnder(blobs.bytesDir)).length === 0, 'blob stream closed');
    const again = await fetch(`${base}/blobs/media/big.bin`, { headers: { range: 'bytes=0-9' } });
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(big.subarray(0, 10)));
    assert.deepEqual(unexpected, []);
  });

  it('closes the blob when the client left while it was being opened', async () => {
    store.openDelayMs = 300;
    try {
      const controller = new AbortController();
      const pending = fetch(`${base}/blobs/media/big.bin`, { signal: controller.signal }).catch((e) => e);
      await sleep(100);
      controller.abort();
      const outcome = await pending;
      assert.equal((outcome as Error).name, 'AbortError', String(outcome));
      await sleep(400); // past the open
      await eventually(async () => (await openFilesUnder(blobs.bytesDir)).length === 0, 'blob stream closed');
    } finally {
      store.openDelayMs = 0;
    }
    const again = await fetch(`${base}/blobs/media/pic.png`);
    assert.equal(again.status, 200);
    await again.arrayBuffer();
    assert.deepEqual(unexpected, []);
  });
});
