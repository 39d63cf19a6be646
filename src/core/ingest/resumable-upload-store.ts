import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { UploadChunks } from './upload-chunks.js';

/** What Kiln remembers of one resumable upload (a small JSON blob beside its chunks). */
export interface ResumableUploadInfo {
  id: string;
  accountId: string;
  size: number;
  metadata: Record<string, string | null>;
  createdAt: string;
  /** Set once the chunks were assembled into an asset (whose id is the upload's). */
  completed?: boolean;
}

export const RESUMABLE_UPLOAD_TTL_MS = 24 * 3600_000;
const PREFIX = 'uploads';

/**
 * Kiln's native resumable uploads (`/kiln/v1/uploads`) on any BlobStore: the record
 * `uploads/<id>/info.json` (owner, size, metadata) and the bytes as UploadChunks under
 * `uploads/<id>/chunk`. The tus protocol around it lives in the HTTP layer (BlobTusStore).
 */
export class ResumableUploadStore {
  private readonly chunks: UploadChunks;

  constructor(private readonly blobs: BlobStore) {
    this.chunks = new UploadChunks(blobs);
  }

  async create(input: Omit<ResumableUploadInfo, 'createdAt'>): Promise<ResumableUploadInfo> {
    const info: ResumableUploadInfo = { ...input, createdAt: new Date().toISOString() };
    await this.writeInfo(info);
    return info;
  }

  async readInfo(id: string): Promise<ResumableUploadInfo | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    if (!(await this.blobs.stat(infoKey(id)))) return null;
    const chunks: Buffer[] = [];
    for await (const c of await this.blobs.get(infoKey(id))) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ResumableUploadInfo;
  }

  async writeInfo(info: ResumableUploadInfo): Promise<void> {
    await this.blobs.put(infoKey(info.id), Buffer.from(JSON.stringify(info)), {
      contentType: 'application/json',
    });
  }

  /** The chunks in order as one stream; fails if they are not contiguous and complete. */
  assembled(info: ResumableUploadInfo): Promise<Readable> {
    return this.chunks.assembled(chunkPrefix(info.id), info.size);
  }

  async dropChunks(id: string): Promise<void> {
    await this.chunks.drop(chunkPrefix(id));
  }

  /** Termination: the record and its chunks go. */
  async remove(id: string): Promise<void> {
    await this.blobs.deletePrefix(`${PREFIX}/${id}`);
  }

  /** Drops uploads whose record is older than the TTL (unfinished ones and leftovers); returns how many. */
  async deleteExpired(): Promise<number> {
    const cutoff = Date.now() - RESUMABLE_UPLOAD_TTL_MS;
    const stale = new Set<string>();
    for await (const b of this.blobs.list(PREFIX)) {
      if (b.key.endsWith('/info.json') && b.lastModified.getTime() < cutoff) stale.add(b.key.split('/')[1]!);
    }
    for (const id of stale) await this.remove(id);
    return stale.size;
  }
}

export function chunkPrefix(id: string): string {
  return `${PREFIX}/${id}/chunk`;
}

function infoKey(id: string): string {
  return `${PREFIX}/${id}/info.json`;
}
