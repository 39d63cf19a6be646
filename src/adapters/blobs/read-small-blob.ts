import { type BlobStore, canReadSmall, type SmallRead } from '../../core/blobs/blob-store.js';

/**
 * A blob whole when it is at most `maxBytes` (info only when larger), or null when absent: through
 * the store's own one-call read when it has one, else a stat then a read.
 */
export async function readSmallBlob(
  store: BlobStore,
  key: string,
  maxBytes: number,
): Promise<SmallRead | null> {
  if (canReadSmall(store)) return store.readSmall(key, maxBytes);
  const info = await store.stat(key);
  if (!info || info.size > maxBytes) return info ? { info } : null;
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  const data = Buffer.concat(chunks);
  return { info: { ...info, size: data.length }, data };
}
