import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { KilnError } from '../../core/errors/kiln-error.js';
import { commitTempFile, writeTempFile } from './fs-durable-write.js';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const MAX_PART = 10_000;

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
}

/**
 * Multipart uploads on the file system: `<dir>/<uploadId>/key` records the target key, and part n
 * is the file `<n>` with its MD5 etag beside it in `<n>.etag`. Parts are written atomically (temp
 * file + rename), so a part is either absent or whole, and may arrive in any order or in parallel.
 */
export class FsMultipartUploads {
  constructor(
    private readonly dir: string,
    private readonly tmpDir: string,
  ) {}

  async create(key: string): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    const uploadDir = join(this.dir, uploadId);
    await mkdir(uploadDir, { recursive: true });
    await writeFile(join(uploadDir, 'key'), key);
    return uploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    signal?: AbortSignal,
  ): Promise<PartInfo> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART) {
      throw new KilnError('invalid_input', `Part number must be an integer from 1 to ${MAX_PART}`);
    }
    const uploadDir = await this.openUpload(key, uploadId);
    const md5 = createHash('md5');
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const tmp = await writeTempFile(this.tmpDir, body, { signal, through: [hasher] });
    const etag = `"${md5.digest('hex')}"`;
    // The etag lands first: a visible part always has its etag beside it.
    await writeFile(join(uploadDir, `${partNumber}.etag`), etag);
    await commitTempFile(tmp, join(uploadDir, String(partNumber))).catch((err) => {
      throw mapMissingUpload(err, uploadId);
    });
    return { partNumber, size, etag };
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    const uploadDir = await this.openUpload(key, uploadId);
    const parts: PartInfo[] = [];
    for (const name of await readdir(uploadDir)) {
      if (!/^\d+$/.test(name)) continue;
      const [info, etag] = await Promise.all([
        stat(join(uploadDir, name)),
        readFile(join(uploadDir, `${name}.etag`), 'utf8'),
      ]);
      parts.push({ partNumber: Number(name), size: info.size, etag });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Concatenates the parts, in ascending order, into a durable temp file; returns its path. */
  async assemble(key: string, uploadId: string, partNumbers: number[]): Promise<string> {
    const uploadDir = await this.openUpload(key, uploadId);
    const ordered = checkPartList(partNumbers);
    const present = new Set((await this.listParts(key, uploadId)).map((p) => p.partNumber));
    const missing = ordered.filter((n) => !present.has(n));
    if (missing.length > 0) {
      throw new KilnError('invalid_input', `Missing parts: ${missing.join(', ')}`, { details: { missing } });
    }
    return writeTempFile(this.tmpDir, readParts(uploadDir, ordered));
  }

  async remove(uploadId: string): Promise<void> {
    await rm(join(this.dir, uploadId), { recursive: true, force: true });
  }

  /** Idempotent: aborting an unknown or finished upload is not an error. */
  async abort(key: string, uploadId: string): Promise<void> {
    checkUploadId(uploadId);
    try {
      await this.openUpload(key, uploadId);
    } catch (err) {
      if (err instanceof KilnError && err.code === 'not_found') return;
      throw err;
    }
    await this.remove(uploadId);
  }

  private async openUpload(key: string, uploadId: string): Promise<string> {
    checkUploadId(uploadId);
    const uploadDir = join(this.dir, uploadId);
    const owner = await readFile(join(uploadDir, 'key'), 'utf8').catch((err) => {
      throw mapMissingUpload(err, uploadId);
    });
    if (owner !== key) throw uploadNotFound(uploadId);
    return uploadDir;
  }
}

function checkUploadId(uploadId: string): void {
  if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) {
    throw new KilnError('invalid_input', 'Invalid upload id');
  }
}

function checkPartList(partNumbers: number[]): number[] {
  if (partNumbers.length === 0) throw new KilnError('invalid_input', 'At least one part is required');
  const ordered = [...partNumbers].sort((a, b) => a - b);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i] === ordered[i - 1]) {
      throw new KilnError('invalid_input', `Part ${ordered[i]} is listed twice`);
    }
  }
  return ordered;
}

/** Opens one part at a time, so assembling 10,000 parts never holds 10,000 descriptors. */
async function* readParts(uploadDir: string, partNumbers: number[]): AsyncIterable<Buffer> {
  for (const n of partNumbers) {
    const handle = await open(join(uploadDir, String(n)), 'r');
    const stream = handle.createReadStream();
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } finally {
      stream.destroy();
    }
  }
}

function uploadNotFound(uploadId: string): KilnError {
  return new KilnError('not_found', 'Upload not found', { details: { uploadId } });
}

function mapMissingUpload(err: unknown, uploadId: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? uploadNotFound(uploadId) : err;
}
