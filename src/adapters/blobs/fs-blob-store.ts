import { mkdir, open, opendir, rm, stat, unlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  BlobInfo,
  BlobStore,
  ByteRange,
  MultipartCapable,
  PutOptions,
  SmallRead,
  SmallReadCapable,
  StaleUploadsCapable,
} from '../../core/blobs/blob-store.js';
import { KilnError } from '../../core/errors/kiln-error.js';
import { assertValidKey, normalizePrefix } from './blob-key.js';
import { commitTempFile, writeTempFile } from './fs-durable-write.js';
import { FsMultipartUploads } from './fs-multipart-uploads.js';
import { removeStaleEntries } from './stale-files.js';

/** Read size of streamed blobs: 2 reads (and socket writes) per MiB rather than 16 at the 64 KiB default. */
const READ_CHUNK = 512 * 1024;

/** Directories of the store's own, never valid as the first segment of a key. */
const RESERVED = new Set(['.tmp', '.multipart']);

/**
 * Blobs as files under one root directory. Writes are atomic (temp file in `<root>/.tmp`, fsync,
 * rename, fsync of the directory); multipart parts live in `<root>/.multipart/<uploadId>/`.
 * A file system cannot hold both `a` and `a/b`: such a put fails with `conflict`.
 */
export class FsBlobStore implements BlobStore, MultipartCapable, SmallReadCapable, StaleUploadsCapable {
  readonly kind = 'fs' as const;
  readonly root: string;
  private readonly tmpDir: string;
  private readonly uploads: FsMultipartUploads;

  constructor(root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, '.tmp');
    this.uploads = new FsMultipartUploads(join(this.root, '.multipart'), this.tmpDir);
  }

  /** Creates the root; call once before use (createBlobStore does). */
  async init(): Promise<this> {
    await mkdir(this.tmpDir, { recursive: true });
    return this;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<BlobInfo> {
    const path = this.pathOf(key);
    const durable = options.durable ?? true;
    const tmp = await writeTempFile(this.tmpDir, body, { signal: options.signal, durable });
    if (options.signal?.aborted) {
      // Aborted after the last byte arrived but before the rename: still nothing is written.
      await rm(tmp, { force: true });
      throw options.signal.reason;
    }
    await this.commit(tmp, path, key, durable);
    return this.infoOf(key, path);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((err) => {
      throw mapMissing(err, key);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw notFound(key);
      if (!range) return handle.createReadStream({ highWaterMark: READ_CHUNK });
      if (range.start < 0 || range.end < range.start || range.start >= info.size) {
        throw new KilnError('range_not_satisfiable', 'Requested range is not satisfiable', {
          details: { size: info.size },
        });
      }
      return handle.createReadStream({
        start: range.start,
        end: Math.min(range.end, info.size - 1),
        highWaterMark: READ_CHUNK,
      });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async readSmall(key: string, maxBytes: number): Promise<SmallRead | null> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((err) => {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw err;
    });
    if (!handle) return null;
    try {
      const st = await handle.stat();
      if (!st.isFile()) return null;
      const info = { key, size: st.size, lastModified: st.mtime };
      if (st.size > maxBytes) return { info };
      const data = Buffer.allocUnsafe(st.size);
      let filled = 0;
      while (filled < st.size) {
        const { bytesRead } = await handle.read(data, filled, st.size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return { info: { ...info, size: filled }, data: filled === st.size ? data : data.subarray(0, filled) };
    } finally {
      await handle.close();
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const path = this.pathOf(key);
    try {
      return await this.infoOf(key, path);
    } catch (err) {
      if (isMissing(err) || (err instanceof KilnError && err.code === 'not_found')) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((err) => {
      if (!isMissing(err) && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    const normalized = normalizePrefix(prefix);
    if (normalized === '') throw new KilnError('invalid_input', 'deletePrefix needs a non-empty prefix');
    await rm(this.pathOf(normalized), { recursive: true, force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const normalized = normalizePrefix(prefix);
    const start = normalized === '' ? this.root : this.pathOf(normalized);
    yield* this.walk(start);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    const source = await open(from, 'r').catch((err) => {
      throw mapMissing(err, fromKey);
    });
    const tmp = await writeTempFile(this.tmpDir, source.createReadStream()).catch((err) => {
      throw mapMissing(err, fromKey);
    });
    await this.commit(tmp, to, toKey);
  }

  async ping(): Promise<void> {
    const info = await stat(this.root).catch((err) => {
      throw new KilnError('unavailable', 'Blob directory is not reachable', { cause: err });
    });
    if (!info.isDirectory()) throw new KilnError('unavailable', 'Blob root is not a directory');
  }

  async close(): Promise<void> {}

  createMultipart(key: string): Promise<string> {
    this.pathOf(key);
    return this.uploads.create(key);
  }

  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ size: number; etag: string }> {
    return this.uploads.uploadPart(key, uploadId, partNumber, body, options.signal);
  }

  listParts(
    key: string,
    uploadId: string,
  ): Promise<Array<{ partNumber: number; size: number; etag: string }>> {
    return this.uploads.listParts(key, uploadId);
  }

  async completeMultipart(key: string, uploadId: string, partNumbers: number[]): Promise<BlobInfo> {
    const path = this.pathOf(key);
    const tmp = await this.uploads.assemble(key, uploadId, partNumbers);
    await this.commit(tmp, path, key);
    await this.uploads.remove(uploadId);
    return this.infoOf(key, path);
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return this.uploads.abort(key, uploadId);
  }

  /** Temp files of writes that never finished (the process died) and multipart uploads left idle. */
  async removeStaleUploads(olderThan: Date): Promise<number> {
    const temp = await removeStaleEntries(this.tmpDir, olderThan);
    return temp + (await removeStaleEntries(join(this.root, '.multipart'), olderThan));
  }

  /** Validated key -> absolute path, proven to stay under the root. */
  private pathOf(key: string): string {
    assertValidKey(key);
    if (RESERVED.has(key.split('/')[0])) {
      throw new KilnError('invalid_input', `Invalid blob key: "${key.split('/')[0]}" is reserved`);
    }
    const path = resolve(this.root, ...key.split('/'));
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || resolve(this.root, rel) !== path) {
      throw new KilnError('invalid_input', 'Invalid blob key: escapes the store', { details: { key } });
    }
    return path;
  }

  private async commit(tmp: string, path: string, key: string, durable = true): Promise<void> {
    await commitTempFile(tmp, path, durable).catch((err) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
        throw new KilnError('conflict', `Blob key collides with an existing key or prefix: ${key}`, {
          cause: err,
        });
      }
      throw err;
    });
  }

  private async infoOf(key: string, path: string): Promise<BlobInfo> {
    const info = await stat(path);
    if (!info.isFile()) throw notFound(key);
    return { key, size: info.size, lastModified: info.mtime };
  }

  private async *walk(dir: string): AsyncIterable<BlobInfo> {
    let entries: Awaited<ReturnType<typeof opendir>>;
    try {
      entries = await opendir(dir);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for await (const entry of entries) {
      const path = join(dir, entry.name);
      if (dir === this.root && RESERVED.has(entry.name)) continue;
      if (entry.isDirectory()) {
        yield* this.walk(path);
      } else if (entry.isFile()) {
        const key = relative(this.root, path).split(sep).join('/');
        const info = await stat(path).catch((err) => (isMissing(err) ? null : Promise.reject(err)));
        if (info) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function notFound(key: string): KilnError {
  return new KilnError('not_found', 'Blob not found', { details: { key } });
}

function mapMissing(err: unknown, key: string): unknown {
  if (isMissing(err) || (err as NodeJS.ErrnoException)?.code === 'EISDIR') return notFound(key);
  return err;
}
