import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore, ByteRange, PutOptions } from '../../src/adapters/blobs/blob-store.js';
import { KilnError } from '../../src/core/errors/kiln-error.js';

/**
 * TEST FIXTURE ONLY: a minimal BlobStore over a temporary directory, used by the ingest and delivery
 * tests until the real FsBlobStore (another branch) is merged; then the tests switch to it.
 * It keeps the contract's promises that those tests rely on: put() writes a temp file and renames it,
 * so a failed put leaves no key and no temp file; get() honours inclusive ranges.
 * Temp files live in `<root>/.tmp` so that `list()` of a prefix never sees them, while `allFiles()` does.
 */
export class TmpDirBlobStore implements BlobStore {
  readonly kind = 'fs' as const;

  constructor(readonly root: string) {}

  /** A store over a fresh temporary directory (subclasses get an instance of themselves). */
  static async create<T extends TmpDirBlobStore>(this: new (root: string) => T): Promise<T> {
    return new this(await mkdtemp(join(tmpdir(), 'kiln-test-blobs-')));
  }

  private path(key: string): string {
    if (!key || key.startsWith('/') || /(^|\/)\.\.?(\/|$)|\\|\0|\/\//.test(key)) {
      throw new KilnError('invalid_input', `Invalid blob key: ${key}`);
    }
    return join(this.root, 'data', key);
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<BlobInfo> {
    const target = this.path(key);
    const temp = join(this.root, '.tmp', randomBytes(8).toString('hex'));
    await mkdir(dirname(temp), { recursive: true });
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temp, { flags: 'wx' }), { signal: options.signal });
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return (await this.stat(key))!;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(key);
    if (!(await this.stat(key))) throw new KilnError('not_found', `Blob ${key} not found`);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.path(key));
      return { key, size: s.size, lastModified: s.mtime };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(join(this.root, 'data', prefix), { recursive: true, force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for (const file of await walk(join(this.root, 'data'))) {
      const key = relative(join(this.root, 'data'), file).split(sep).join('/');
      if (key.startsWith(prefix)) yield (await this.stat(key))!;
    }
  }

  /** Every file under the root, temp files included: what a leak check looks at. */
  async allFiles(): Promise<string[]> {
    return walk(this.root);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await mkdir(dirname(this.path(toKey)), { recursive: true });
    await copyFile(this.path(fromKey), this.path(toKey));
  }

  async ping(): Promise<void> {
    await stat(this.root);
  }

  async close(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}
