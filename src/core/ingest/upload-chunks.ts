import { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';

/** A resumable upload's bytes are committed at least every this many bytes (one chunk blob each). */
export const CHUNK_COMMIT_BYTES = 4 * 1024 * 1024;
const OFFSET_DIGITS = 15;

interface Chunk {
  key: string;
  offset: number;
  size: number;
}

/**
 * The bytes of a resumable upload on any BlobStore (disk or S3), as chunk blobs
 * `<prefix>/<start offset, 15 digits>`. A write is cut into chunks of at most `commitBytes`, each
 * put (atomic, durable) as soon as it is full, so a crash mid-request loses at most the chunk in
 * flight. The offset is the contiguous run of chunks from 0, so it survives restarts, is shared by
 * every node, and a stray chunk can never shift it. Assembly streams the chunks in order.
 */
export class UploadChunks {
  constructor(
    private readonly blobs: BlobStore,
    private readonly commitBytes = CHUNK_COMMIT_BYTES,
  ) {}

  /** How many bytes are committed (the next write's offset). */
  async offset(prefix: string): Promise<number> {
    return (await this.run(prefix)).total;
  }

  /** Writes `body` from `offset` on, chunk by chunk; returns the new offset (what was committed). */
  async append(prefix: string, offset: number, body: Readable): Promise<number> {
    const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let carry: Buffer | null = null;
    let ended = false;
    const limit = this.commitBytes;
    // One chunk: pulls from the shared source up to `limit` bytes, keeping the rest for the next.
    async function* piece(): AsyncGenerator<Buffer> {
      let left = limit;
      while (left > 0) {
        let buf = carry;
        carry = null;
        if (!buf) {
          const next = await source.next();
          if (next.done) {
            ended = true;
            return;
          }
          buf = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        }
        if (buf.length > left) {
          carry = buf.subarray(left);
          buf = buf.subarray(0, left);
        }
        left -= buf.length;
        yield buf;
      }
    }
    try {
      while (!ended) {
        const key = `${prefix}/${String(offset).padStart(OFFSET_DIGITS, '0')}`;
        const stored = await this.blobs.put(key, Readable.from(piece()));
        if (stored.size === 0) {
          await this.blobs.delete(key);
          break;
        }
        offset += stored.size;
      }
    } finally {
      if (!ended) await source.return?.();
    }
    return offset;
  }

  /** The chunks in order as one stream; fails if they are not contiguous from 0 up to `size`. */
  async assembled(prefix: string, size: number): Promise<Readable> {
    const { list, total } = await this.run(prefix);
    if (total !== size) throw new Error(`upload ${prefix} has ${total} of ${size} bytes`);
    const blobs = this.blobs;
    async function* concatenated() {
      for (const c of list) yield* await blobs.get(c.key);
    }
    return Readable.from(concatenated());
  }

  async drop(prefix: string): Promise<void> {
    await this.blobs.deletePrefix(prefix);
  }

  private async run(prefix: string): Promise<{ list: Chunk[]; total: number }> {
    const all: Chunk[] = [];
    for await (const b of this.blobs.list(prefix)) {
      const offset = Number(b.key.slice(b.key.lastIndexOf('/') + 1));
      if (Number.isInteger(offset)) all.push({ key: b.key, offset, size: b.size });
    }
    all.sort((a, b) => a.offset - b.offset);
    const list: Chunk[] = [];
    let total = 0;
    for (const c of all) {
      if (c.offset !== total) break;
      list.push(c);
      total += c.size;
    }
    return { list, total };
  }
}
