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
}

/** Streams `body` into a fresh file under `tmpDir` and fsyncs it; on any failure the file is removed. */
export async function writeTempFile(
  tmpDir: string,
  body: Readable | Buffer | AsyncIterable<Buffer>,
  options: TempWriteOptions = {},
): Promise<string> {
  await mkdir(tmpDir, { recursive: true });
  const tmpPath = join(tmpDir, randomBytes(12).toString('hex'));
  // flush: the stream fsyncs the file before closing it, so a committed file is on disk.
  const sink = createWriteStream(tmpPath, { flags: 'wx', flush: true });
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

/** Moves a finished temp file to `finalPath` atomically and makes the rename durable. */
export async function commitTempFile(tmpPath: string, finalPath: string): Promise<void> {
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(tmpPath, finalPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  await fsyncDir(dirname(finalPath));
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
