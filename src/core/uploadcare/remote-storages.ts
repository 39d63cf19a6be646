import { createBlobStore } from '../../adapters/blobs/create-blob-store.js';
import type { BlobStore } from '../blobs/blob-store.js';

/**
 * The operator's named `remote_copy` targets (KILN_UPLOADCARE_REMOTE_STORAGES), each opened once
 * on first use. `locate` names a copied object the way the API answers: `s3://bucket/prefix/key`.
 */
export class RemoteStorages {
  private readonly urls: Map<string, URL>;
  private readonly open = new Map<string, Promise<BlobStore>>();

  constructor(
    json: string,
    private readonly dataDir: string,
  ) {
    this.urls = new Map(
      Object.entries(JSON.parse(json) as Record<string, string>).map(([k, v]) => [k, new URL(v)]),
    );
  }

  has(name: string): boolean {
    return this.urls.has(name);
  }

  store(name: string): Promise<BlobStore> {
    let store = this.open.get(name);
    if (!store) {
      store = createBlobStore({ storageUrl: this.urls.get(name)!.toString(), dataDir: this.dataDir });
      this.open.set(name, store);
    }
    return store;
  }

  /** Where an object of that store is, without query parameters (never the URL's credentials). */
  locate(name: string, key: string): string {
    const url = this.urls.get(name)!;
    const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
    if (url.protocol === 'file:') return `file://${url.pathname.replace(/\/+$/, '')}/${key}`;
    return `s3://${url.hostname}/${prefix ? `${prefix}/` : ''}${key}`;
  }

  async close(): Promise<void> {
    for (const store of this.open.values()) await (await store).close().catch(() => {});
  }
}
