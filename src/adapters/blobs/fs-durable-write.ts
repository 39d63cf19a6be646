import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The durable-write steps shared by the file-system blob store: bytes go to a temp file on the
 * same file system, are fsynced, then renamed into place and the directory entry fsynced. A
 * reader sees either the old file or the whole new one, never a partial write.
 */

export interface TempWriteOptions {
  signal?: AbortSignal;
  /** Extra stages between the body and the file (hashing, counting). */
  through?: Transform[];
  /** false: skip the fsync (cache entries that can be rebuilt). */
  durable?: boolean;
}

const WRITE_BUFFER = 1024 * 1024;

/** Streams `body` into a fresh file under `tmpDir` and fsyncs it; on any failure the file is removed. */
export async function writeTempFile(
  tmpDir: string,
  body: Readable | Buffer | AsyncIterable<Buffer>,
  options: TempWriteOptions = {},
): Promise<string> {
  const tmpPath = join(tmpDir, randomBytes(12).toString('hex'));
  const durable = options.durable ?? true;
  if (Buffer.isBuffer(body) && !options.through?.length) {
    await writeBufferFile(tmpPath, body, durable, options.signal);
    return tmpPath;
  }
  await mkdir(tmpDir, { recursive: true });
  // flush: the stream fsyncs the file before closing it, so a committed file is on disk.
  // highWaterMark: chunks that arrive while a write is in flight are gathered into one writev of up
  // to 1 MiB, rather than a write and a pause/resume of the source per 64 KiB socket chunk.
  const sink = createWriteStream(tmpPath, { flags: 'wx', flush: durable, highWaterMark: WRITE_BUFFER });
  const stages = [toSource(body), ...(options.through ?? []), sink];
  try {
    // pipeline's overloads cannot type a variable-length stage list.
    await (pipeline as (...args: unknown[]) => Promise<void>)(...stages, { signal: options.signal });
    return tmpPath;
  } catch (err) {
    if (body instanceof Readable) body.destroy();
    // The file is removed only once the stream has closed, so a late open cannot recreate it.
    if (!sink.closed) await new Promise<void>((done) => sink.once('close', () => done()));
    await rm(tmpPath, { force: true });
    throw err;
  }
}

/** A buffer in one write, without a stream's per-chunk overhead (variants are written on the request path). */
async function writeBufferFile(path: string, data: Buffer, durable: boolean, signal?: AbortSignal) {
  signal?.throwIfAborted();
  const handle = await withParentDir(path, () => open(path, 'wx'));
  try {
    await handle.writeFile(data, { signal });
    if (durable) await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(path, { force: true });
    throw err;
  }
  await handle.close();
}

/** Moves a finished temp file to `finalPath` atomically and (unless not `durable`) makes the rename durable. */
export async function commitTempFile(tmpPath: string, finalPath: string, durable = true): Promise<void> {
  try {
    await withParentDir(finalPath, () => rename(tmpPath, finalPath));
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dirname(finalPath));
}

/** Runs `op`, and once more after creating `path`'s directory if that was missing (saves a mkdir per write). */
async function withParentDir<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    return op();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function toSource(body: Readable | Buffer | AsyncIterable<Buffer>): Readable | AsyncIterable<Buffer> {
  return Buffer.isBuffer(body) ? Readable.from([body]) : body;
}
