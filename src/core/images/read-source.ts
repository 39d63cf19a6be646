/** Reads a source blob into memory with a byte cap (libvips needs random access to most formats). */
import type { BlobStore } from '../blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';

export async function readSource(store: BlobStore, key: string, maxBytes: number): Promise<Buffer> {
  const stream = await store.get(key);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      stream.destroy();
      throw new KilnError('payload_too_large', `The source image exceeds ${maxBytes} bytes`, {
        details: { limit: maxBytes },
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}
