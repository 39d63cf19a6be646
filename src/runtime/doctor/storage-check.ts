import { randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { createBlobStore } from '../../adapters/blobs/create-blob-store.js';
import { type BlobStore, isMultipartCapable } from '../../core/blobs/blob-store.js';
import { type CheckResult, fail, ok, warn } from './doctor-check.js';

const GiB = 1024 ** 3;
/** Below this much free space in the data dir, uploads and transcodes will soon fail. */
const FAIL_BELOW_BYTES = 1 * GiB;
const WARN_BELOW_BYTES = 10 * GiB;

/**
 * The blob store takes a probe blob, gives it back byte for byte and deletes it; a store with
 * multipart uploads (S3) also creates one, lists its part (ListParts) and aborts it.
 */
export async function checkStorage(options: {
  storageUrl?: string;
  dataDir: string;
}): Promise<CheckResult[]> {
  const where = options.storageUrl ? describeStorage(options.storageUrl) : `${options.dataDir}/blobs`;
  const fix = options.storageUrl
    ? 'check KILN_STORAGE_URL (bucket, endpoint, region), the AWS_* credentials and their permissions (docs/deployment.md)'
    : 'make the data dir writable by the user Kiln runs as (--data / KILN_DATA_DIR)';
  let store: BlobStore;
  try {
    store = await createBlobStore(options);
  } catch (err) {
    return [fail('storage', `${where}: ${(err as Error).message}`, fix)];
  }
  const key = `kiln-doctor-${randomBytes(8).toString('hex')}`;
  const results: CheckResult[] = [];
  try {
    const probe = randomBytes(1024);
    try {
      await store.put(key, probe);
      const back = await readAll(await store.get(key));
      if (!back.equals(probe)) throw new Error('the probe blob came back different');
      await store.delete(key);
      if (await store.stat(key)) throw new Error('the probe blob is still there after delete');
      results.push(ok('storage', `${store.kind} at ${where}: write, read, delete`));
    } catch (err) {
      return [fail('storage', `${store.kind} at ${where}: ${(err as Error).message}`, fix)];
    }
    if (isMultipartCapable(store)) {
      try {
        const uploadId = await store.createMultipart(key);
        try {
          await store.uploadPart(key, uploadId, 1, randomBytes(1024));
          const parts = await store.listParts(key, uploadId);
          if (parts.length !== 1 || parts[0]?.size !== 1024)
            throw new Error('ListParts does not show the part');
        } finally {
          await store.abortMultipart(key, uploadId);
        }
        results.push(ok('storage multipart', 'create, upload part, list parts, abort'));
      } catch (err) {
        results.push(
          fail(
            'storage multipart',
            (err as Error).message,
            `${fix}; resumable and large uploads need multipart uploads`,
          ),
        );
      }
    }
  } finally {
    await store.delete(key).catch(() => {});
    await store.close().catch(() => {});
  }
  return results;
}

/** Free space where the data dir is (or would be: its nearest existing parent). */
export async function checkDiskSpace(dataDir: string): Promise<CheckResult> {
  let dir = dataDir;
  for (;;) {
    try {
      const s = await statfs(dir);
      const free = s.bavail * s.bsize;
      const total = s.blocks * s.bsize;
      const detail = `${(free / GiB).toFixed(1)} GiB free of ${(total / GiB).toFixed(1)} GiB at ${dir}`;
      const fix = 'free space or move the data dir (--data / KILN_DATA_DIR) to a larger disk';
      if (free < FAIL_BELOW_BYTES) return fail('disk', detail, fix);
      if (free < WARN_BELOW_BYTES) return warn('disk', detail, fix);
      return ok('disk', detail);
    } catch (err) {
      const parent = dirname(dir);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw err;
      dir = parent;
    }
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The storage URL without credentials in its query. */
function describeStorage(url: string): string {
  try {
    const u = new URL(url);
    u.searchParams.delete('accessKeyId');
    u.searchParams.delete('secretAccessKey');
    return u.toString();
  } catch {
    return 'the storage URL';
  }
}
