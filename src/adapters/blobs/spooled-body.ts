import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { writeTempFile } from './fs-durable-write.js';

export interface SizedBody {
  body: Readable | Buffer;
  size: number;
  dispose(): Promise<void>;
}

/**
 * S3's UploadPart needs a Content-Length up front. A Buffer or a stream of declared size goes
 * straight through; a stream of unknown length is first spooled to a temp file (memory stays flat
 * whatever the part size), which dispose() removes.
 */
export async function withKnownLength(
  body: Readable | Buffer,
  options: { size?: number; dir: string; signal?: AbortSignal },
): Promise<SizedBody> {
  if (Buffer.isBuffer(body)) return { body, size: body.length, dispose: async () => {} };
  if (options.size !== undefined) return { body, size: options.size, dispose: async () => {} };
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const path = await writeTempFile(options.dir, body, { signal: options.signal, through: [counter] });
  return {
    body: createReadStream(path),
    size,
    dispose: () => rm(path, { force: true }),
  };
}
