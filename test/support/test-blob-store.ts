import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBlobStore } from '../../src/adapters/blobs/create-blob-store.js';
import type { BlobStore } from '../../src/core/blobs/blob-store.js';
import { fsLeftovers, s3Leftovers } from './blob-store-leftovers.js';
import { startS3Server } from './s3-server.js';

export interface TestBlobStore {
  store: BlobStore;
  /** A KILN_STORAGE_URL naming the same store, for a server started by the test. */
  storageUrl?: string;
  /** Temp files (fs) or unfinished multipart uploads (s3) the store has left behind (should be none). */
  leftovers(): Promise<string[]>;
  /** Every key plus every leftover: all a test that expects an empty store must find nothing in. */
  remains(): Promise<string[]>;
  /**
   * The local directory holding the blobs' bytes: the store's root (fs) or s3rver's directory (s3).
   * A blob stream left open shows as a file descriptor under it, whichever the backend.
   */
  bytesDir: string;
  close(): Promise<void>;
}

/**
 * An empty blob store for one test: the local disk in a temp dir, or, when KILN_TEST_STORAGE=s3
 * (the scale-out run), a bucket on a fresh s3rver of its own. close() removes everything.
 */
export async function openTestBlobStore(): Promise<TestBlobStore> {
  const blobs = await openBackend();
  return {
    ...blobs,
    remains: async () => {
      const keys: string[] = [];
      for await (const info of blobs.store.list('')) keys.push(info.key);
      return [...keys, ...(await blobs.leftovers())];
    },
  };
}

async function openBackend(): Promise<Omit<TestBlobStore, 'remains'>> {
  if (process.env.KILN_TEST_STORAGE === 's3') {
    const server = await startS3Server({ prefix: 'blobs' });
    const store = await createBlobStore({ storageUrl: server.storageUrl, dataDir: tmpdir() });
    return {
      store,
      storageUrl: server.storageUrl,
      leftovers: () => s3Leftovers(server),
      bytesDir: server.directory,
      close: async () => {
        await store.close();
        await server.stop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kiln-blobs-'));
  const storageUrl = pathToFileURL(dir).href;
  const store = await createBlobStore({ storageUrl, dataDir: dir });
  return {
    store,
    storageUrl,
    leftovers: () => fsLeftovers(dir),
    bytesDir: dir,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
