import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { BlobInfo, BlobStore } from '../blobs/blob-store.js';

/** Content types of what transcode() and the thumbnail steps write. */
export const PACKAGING_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.ts': 'video/mp2t',
  '.vtt': 'text/vtt',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
};

export interface UploadDirectoryOptions {
  signal?: AbortSignal;
  /** Files uploaded at once; default 4. */
  concurrency?: number;
}

/**
 * Uploads every file under `dir` to `<prefix>/<relative path>` (streamed, never buffered whole),
 * a few at a time. Keys keep the directory's layout, so the relative URLs inside manifests resolve.
 * If one upload fails, the others stop being started and the error is thrown; the caller
 * removes the prefix (store.deletePrefix) if it wants no partial rendition set left behind.
 */
export async function uploadDirectory(
  store: BlobStore,
  dir: string,
  prefix: string,
  options: UploadDirectoryOptions = {},
): Promise<BlobInfo[]> {
  const files = await listFiles(dir);
  const base = prefix.replace(/\/+$/, '');
  const results: BlobInfo[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < files.length) {
      const file = files[next++]!;
      const key = `${base}/${relative(dir, file).split(sep).join('/')}`;
      try {
        options.signal?.throwIfAborted();
        results.push(
          await store.put(key, createReadStream(file), {
            contentType: PACKAGING_CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
            signal: options.signal,
          }),
        );
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(options.concurrency ?? 4, files.length)) },
    worker,
  );
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}
