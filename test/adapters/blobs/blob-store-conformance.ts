import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type BlobStore, isMultipartCapable } from '../../../src/core/blobs/blob-store.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';

export interface BlobStoreHarness {
  store: BlobStore;
  /** Temp files or unfinished multipart uploads the store has left behind (should be none). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Streams `data` in 256 KiB chunks, as a socket would, and optionally fails after `failAfter` bytes. */
export function chunked(data: Buffer, failAfter?: number): Readable {
  async function* chunks() {
    for (let offset = 0; offset < data.length; offset += 256 * 1024) {
      if (failAfter !== undefined && offset >= failAfter) throw new Error('client went away');
      await new Promise((r) => setImmediate(r));
      yield data.subarray(offset, offset + 256 * 1024);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof KilnError, `expected KilnError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Registers the behaviour every BlobStore must have; `open` gives a fresh, empty store. */
export function blobStoreConformance(name: string, open: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let h: BlobStoreHarness;
    let store: BlobStore;
    const big = randomBytes(12 * MiB + 12345);
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(() => h.close());

    test('streams a multi-MB body in and out unchanged', async () => {
      const info = await store.put('round/trip.bin', chunked(big), {
        contentType: 'application/octet-stream',
      });
      assert.equal(info.key, 'round/trip.bin');
      assert.equal(info.size, big.length);
      assert.equal(sha256(await readAll(await store.get('round/trip.bin'))), sha256(big));
      assert.deepEqual(await h.leftovers(), []);
    });

    test('ranged reads return exactly the inclusive byte range', async () => {
      await store.put('range/data', big);
      const last = big.length - 1;
      for (const [start, end] of [
        [0, 0],
        [last, last],
        [1000, 1999],
        [5 * MiB - 3, 7 * MiB + 5],
        [0, last],
      ]) {
        const got = await readAll(await store.get('range/data', { start, end }));
        assert.ok(got.equals(big.subarray(start, end + 1)), `range ${start}-${end}`);
      }
      const clipped = await readAll(await store.get('range/data', { start: last - 1, end: last + 100 }));
      assert.ok(clipped.equals(big.subarray(last - 1)));
      await rejectsWithCode(
        store.get('range/data', { start: big.length, end: big.length + 5 }),
        'range_not_satisfiable',
      );
    });

    test('stat reports size and time, null when absent', async () => {
      const before = Date.now();
      await store.put('stat/one', Buffer.from('12345'));
      const info = await store.stat('stat/one');
      assert.equal(info?.size, 5);
      assert.equal(info?.key, 'stat/one');
      assert.ok(Math.abs((info?.lastModified.getTime() ?? 0) - before) < 60_000);
      assert.equal(await store.stat('stat/absent'), null);
      assert.equal(await store.stat('stat'), null, 'a prefix is not a key');
    });

    test('missing keys are KilnError not_found (404)', async () => {
      await assert.rejects(store.get('nope/missing'), (err: unknown) => {
        assert.ok(err instanceof KilnError);
        assert.equal(err.code, 'not_found');
        assert.equal(err.status, 404);
        return true;
      });
      await rejectsWithCode(store.get('nope/missing', { start: 0, end: 1 }), 'not_found');
      await rejectsWithCode(store.copy('nope/missing', 'nope/target'), 'not_found');
      assert.equal(await store.stat('nope/target'), null);
    });

    test('delete removes a key and is idempotent', async () => {
      await store.put('del/x', Buffer.from('x'));
      await store.delete('del/x');
      assert.equal(await store.stat('del/x'), null);
      await store.delete('del/x');
      await store.delete('del/never');
    });

    test('overwrite replaces the whole content', async () => {
      await store.put('over/k', Buffer.from('first version, longer'));
      await store.put('over/k', chunked(Buffer.from('second')));
      assert.equal((await readAll(await store.get('over/k'))).toString(), 'second');
      assert.equal((await store.stat('over/k'))?.size, 6);
    });

    test('list walks a prefix recursively; deletePrefix removes exactly that prefix', async () => {
      for (const key of ['tree/a', 'tree/b/c', 'tree/b/d/e', 'treetop/x', 'other/y']) {
        await store.put(key, Buffer.from(key));
      }
      const keys = async (prefix: string) => {
        const out: string[] = [];
        for await (const info of store.list(prefix)) out.push(info.key);
        return out.sort();
      };
      assert.deepEqual(await keys('tree'), ['tree/a', 'tree/b/c', 'tree/b/d/e']);
      assert.deepEqual(await keys('tree/'), ['tree/a', 'tree/b/c', 'tree/b/d/e']);
      assert.deepEqual(await keys('tree/b'), ['tree/b/c', 'tree/b/d/e']);
      assert.deepEqual(await keys('missing'), []);
      assert.ok((await keys('')).includes('other/y'));
      for await (const info of store.list('tree/b/d')) assert.equal(info.size, 'tree/b/d/e'.length);
      await store.deletePrefix('tree');
      assert.deepEqual(await keys('tree'), []);
      assert.deepEqual(await keys('treetop'), ['treetop/x']);
      assert.equal(await store.stat('other/y').then((i) => i?.size), 'other/y'.length);
      await store.deletePrefix('tree');
      await rejectsWithCode(store.deletePrefix(''), 'invalid_input');
    });

    test('copy duplicates a key server-side', async () => {
      await store.put('copy/src', big.subarray(0, MiB));
      await store.copy('copy/src', 'copy/dst/deeper');
      assert.ok((await readAll(await store.get('copy/dst/deeper'))).equals(big.subarray(0, MiB)));
      await store.delete('copy/src');
      assert.equal((await store.stat('copy/dst/deeper'))?.size, MiB);
    });

    test('a body that errors midway rejects with that error and leaves nothing', async () => {
      await assert.rejects(store.put('fail/body', chunked(big, 9 * MiB)), /client went away/);
      assert.equal(await store.stat('fail/body'), null);
      assert.deepEqual(await h.leftovers(), []);
      await assert.rejects(store.put('fail/small', chunked(big, 512 * 1024)), /client went away/);
      assert.equal(await store.stat('fail/small'), null);
      assert.deepEqual(await h.leftovers(), []);
    });

    test('an abort signal mid-put rejects and leaves nothing', async () => {
      const controller = new AbortController();
      const body = chunked(big);
      let seen = 0;
      body.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= 9 * MiB && !controller.signal.aborted) controller.abort();
      });
      await assert.rejects(store.put('abort/me', body, { signal: controller.signal }), {
        name: 'AbortError',
      });
      assert.equal(await store.stat('abort/me'), null);
      assert.deepEqual(await h.leftovers(), []);
      const already = AbortSignal.abort();
      await assert.rejects(store.put('abort/early', Buffer.from('x'), { signal: already }), {
        name: 'AbortError',
      });
      assert.equal(await store.stat('abort/early'), null);
    });

    test('keys that could escape or be ambiguous are rejected', async () => {
      for (const key of ['../x', '/abs', 'a//b', 'a\\b', '', 'a/./b', 'a/../../b', 'a/', 'nul\0byte', '..']) {
        await rejectsWithCode(store.put(key, Buffer.from('evil')), 'invalid_input');
        await rejectsWithCode(store.get(key), 'invalid_input');
        await rejectsWithCode(store.stat(key), 'invalid_input');
        await rejectsWithCode(store.delete(key), 'invalid_input');
      }
      await rejectsWithCode(store.copy('../x', 'ok/key'), 'invalid_input');
      await rejectsWithCode(store.deletePrefix('../'), 'invalid_input');
    });

    describe('multipart', () => {
      const parts = [big.subarray(0, 5 * MiB), big.subarray(5 * MiB, 10 * MiB), big.subarray(10 * MiB)];

      test('parts uploaded out of order and in parallel assemble in order', async () => {
        assert.ok(isMultipartCapable(store));
        const uploadId = await store.createMultipart('mp/video.bin', { contentType: 'video/mp4' });
        const results = await Promise.all([
          store.uploadPart('mp/video.bin', uploadId, 3, chunked(parts[2])),
          store.uploadPart('mp/video.bin', uploadId, 1, parts[0]),
          store.uploadPart('mp/video.bin', uploadId, 2, chunked(parts[1]), { size: parts[1].length }),
        ]);
        assert.deepEqual(
          results.map((r) => r.size),
          [parts[2].length, parts[0].length, parts[1].length],
        );
        const listed = await store.listParts('mp/video.bin', uploadId);
        assert.deepEqual(
          listed.map((p) => [p.partNumber, p.size]),
          [
            [1, parts[0].length],
            [2, parts[1].length],
            [3, parts[2].length],
          ],
        );
        assert.ok(listed.every((p) => p.etag.length > 0));
        await rejectsWithCode(
          store.completeMultipart('mp/video.bin', uploadId, [1, 2, 3, 4]),
          'invalid_input',
        );
        const info = await store.completeMultipart('mp/video.bin', uploadId, [1, 2, 3]);
        assert.equal(info.size, big.length);
        assert.equal(sha256(await readAll(await store.get('mp/video.bin'))), sha256(big));
        assert.deepEqual(await h.leftovers(), []);
      });

      test('a re-uploaded part replaces the earlier one', async () => {
        assert.ok(isMultipartCapable(store));
        const uploadId = await store.createMultipart('mp/redo');
        await store.uploadPart('mp/redo', uploadId, 1, Buffer.from('wrong'));
        await store.uploadPart('mp/redo', uploadId, 1, Buffer.from('right'));
        assert.deepEqual(
          (await store.listParts('mp/redo', uploadId)).map((p) => p.size),
          [5],
        );
        await store.completeMultipart('mp/redo', uploadId, [1]);
        assert.equal((await readAll(await store.get('mp/redo'))).toString(), 'right');
      });

      test('abort removes the upload and its parts; aborting twice is fine', async () => {
        assert.ok(isMultipartCapable(store));
        const uploadId = await store.createMultipart('mp/aborted');
        await store.uploadPart('mp/aborted', uploadId, 1, parts[0]);
        assert.notDeepEqual(await h.leftovers(), []);
        await store.abortMultipart('mp/aborted', uploadId);
        assert.deepEqual(await h.leftovers(), []);
        await rejectsWithCode(store.listParts('mp/aborted', uploadId), 'not_found');
        await store.abortMultipart('mp/aborted', uploadId);
        assert.equal(await store.stat('mp/aborted'), null);
      });

      test('an upload id only works for its own key', async () => {
        assert.ok(isMultipartCapable(store));
        const uploadId = await store.createMultipart('mp/owner');
        await rejectsWithCode(store.listParts('mp/other', uploadId), 'not_found');
        await rejectsWithCode(store.uploadPart('mp/owner', uploadId, 0, Buffer.from('x')), 'invalid_input');
        await store.abortMultipart('mp/owner', uploadId);
      });
    });
  });
}
