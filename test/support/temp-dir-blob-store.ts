/**
 * A tiny BlobStore on a temp directory for image tests (atomic put: temp file + rename). The real
 * FsBlobStore replaces it once both branches are merged; it implements the same interface.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../../src/adapters/blobs/blob-store.js';
import { KilnError } from '../../src/core/errors/kiln-error.js';

export class TempDirBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  puts = 0;
  private constructor(readonly root: string) {}

  static async create(): Promise<TempDirBlobStore> {
    return new TempDirBlobStore(await mkdtemp(join(tmpdir(), 'kiln-blobs-')));
  }

  private path(key: string): string {
    if (
      !key ||
      key.startsWith('/') ||
      key.split('/').some((s) => s === '' || s === '..') ||
      /[\\\0]/.test(key)
    ) {
      throw new KilnError('invalid_input', `Invalid blob key ${key}`);
    }
    return join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer, _options?: PutOptions): Promise<BlobInfo> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, body);
    await rename(tmp, target);
    this.puts++;
    return (await this.stat(key))!;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (!(await this.stat(key))) throw new KilnError('not_found', `Blob ${key} not found`);
    return createReadStream(this.path(key), range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.path(key));
      return { key, size: s.size, lastModified: s.mtime };
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(join(this.root, prefix), { recursive: true, force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const walk = async function* (dir: string, root: string): AsyncGenerator<string> {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const p = join(dir, e.name);
        if (e.isDirectory()) yield* walk(p, root);
        else yield relative(root, p);
      }
    };
    for await (const key of walk(join(this.root, prefix), this.root)) {
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await mkdir(dirname(this.path(toKey)), { recursive: true });
    await copyFile(this.path(fromKey), this.path(toKey));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
