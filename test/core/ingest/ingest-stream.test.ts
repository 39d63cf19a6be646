import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BlobStore } from '../../../src/core/blobs/blob-store.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { ingestStream } from '../../../src/core/ingest/ingest-stream.js';
import { sampleMp4, samplePng } from '../../support/media-samples.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';

const CHUNK = 64 * 1024;

/** A generated body of `chunks` random 64 KiB chunks that records how far it was read. */
function randomBody(chunks: number, failAt?: { chunk: number; error?: Error }) {
  const hash = createHash('sha256');
  const state = { produced: 0, sha256: '', first: Buffer.alloc(0) };
  async function* generate() {
    for (let i = 0; i < chunks; i++) {
      if (failAt && i === failAt.chunk) throw failAt.error ?? new Error('source broke');
      const chunk = randomBytes(CHUNK);
      if (i === 0) state.first = chunk;
      hash.update(chunk);
      state.produced++;
      yield chunk;
    }
    state.sha256 = hash.digest('hex');
  }
  return { stream: Readable.from(generate()), state };
}

async function keys(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list('')) out.push(info.key);
  return out;
}

describe('ingestStream', () => {
  let blobs: TestBlobStore;
  let store: BlobStore;
  before(async () => {
    blobs = await openTestBlobStore();
    store = blobs.store;
  });
  after(async () => blobs.close());

  it('streams a multi-MB body into the store with its sha256, size and head', async () => {
    const { stream, state } = randomBody(96); // 6 MiB
    const result = await ingestStream(store, 'big/one', stream, { maxBytes: 10 * 1024 * 1024 });
    assert.equal(result.size, 96 * CHUNK);
    assert.equal(result.sha256, state.sha256);
    assert.deepEqual(result.head, state.first.subarray(0, 4100));
    assert.equal(result.contentType, 'application/octet-stream');
    const stored = createHash('sha256');
    for await (const chunk of await store.get('big/one')) stored.update(chunk);
    assert.equal(stored.digest('hex'), state.sha256);
    assert.equal((await store.stat('big/one'))!.size, 96 * CHUNK);
    await store.delete('big/one');
  });

  it('sniffs real PNG and MP4 bytes whatever the declared type', async () => {
    const png = await samplePng();
    const a = await ingestStream(store, 'sniff/png', Readable.from([png]), {
      maxBytes: 1e6,
      contentType: 'application/octet-stream',
    });
    assert.deepEqual([a.contentType, a.extension, a.size], ['image/png', 'png', png.length]);
    const mp4 = await sampleMp4();
    // Split into small chunks so the head is assembled from several of them.
    const chunks = Array.from({ length: Math.ceil(mp4.length / 1000) }, (_, i) =>
      mp4.subarray(i * 1000, i * 1000 + 1000),
    );
    const b = await ingestStream(store, 'sniff/mp4', Readable.from(chunks), {
      maxBytes: 1e7,
      contentType: 'image/png',
    });
    assert.deepEqual([b.contentType, b.extension], ['video/mp4', 'mp4']);
    assert.deepEqual(b.head, mp4.subarray(0, 4100));
    await store.deletePrefix('sniff');
  });

  it('accepts a body of exactly maxBytes', async () => {
    const { stream } = randomBody(4);
    const result = await ingestStream(store, 'exact', stream, { maxBytes: 4 * CHUNK });
    assert.equal(result.size, 4 * CHUNK);
    await store.delete('exact');
  });

  it('fails with payload_too_large mid-stream, stops reading and leaves nothing', async () => {
    const { stream, state } = randomBody(200); // 12.5 MiB offered
    await assert.rejects(ingestStream(store, 'too/big', stream, { maxBytes: 1024 * 1024 }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.code, 'payload_too_large');
      assert.equal(err.status, 413);
      assert.deepEqual(err.details, { limit: 1024 * 1024 });
      return true;
    });
    assert.ok(state.produced < 40, `source read too far: ${state.produced} chunks`);
    assert.ok(stream.destroyed, 'a non-HTTP source is destroyed');
    assert.deepEqual(await keys(store), []);
    assert.deepEqual(await blobs.remains(), [], 'no temp file left');
  });

  it('leaves nothing when the source errors mid-way', async () => {
    const { stream } = randomBody(50, { chunk: 20 });
    await assert.rejects(ingestStream(store, 'broken', stream, { maxBytes: 1e9 }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.code, 'invalid_input');
      assert.equal(err.details.reason, 'body_interrupted');
      assert.equal((err.cause as Error).message, 'source broke');
      return true;
    });
    assert.deepEqual(await blobs.remains(), []);
  });

  it('leaves nothing when the source closes before its end', async () => {
    const source = new Readable({ read() {} });
    source.push(randomBytes(CHUNK));
    setTimeout(() => source.destroy(), 20);
    await assert.rejects(ingestStream(store, 'premature', source, { maxBytes: 1e9 }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.details.reason, 'body_interrupted');
      return true;
    });
    assert.deepEqual(await blobs.remains(), []);
  });

  it('rejects with the abort reason and leaves nothing when the signal aborts', async () => {
    const source = new Readable({ read() {} });
    source.push(randomBytes(CHUNK));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(
      ingestStream(store, 'aborted', source, { maxBytes: 1e9, signal: controller.signal }),
      {
        name: 'AbortError',
      },
    );
    assert.ok(source.destroyed);
    assert.deepEqual(await blobs.remains(), []);
  });

  it('releases the source when the store refuses the key outright', async () => {
    const { stream } = randomBody(100);
    await assert.rejects(ingestStream(store, '../escape', stream, { maxBytes: 1e9 }), {
      code: 'invalid_input',
    });
    assert.ok(stream.destroyed);
    assert.deepEqual(await blobs.remains(), []);
  });
});
