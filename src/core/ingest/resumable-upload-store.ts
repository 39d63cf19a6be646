import { PassThrough, Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { BlobStore } from '../../adapters/blobs/blob-store.js';

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
const OFFSET_DIGITS = 15;
const PREFIX = 'uploads';

/**
 * A tus DataStore on any Kiln BlobStore (local disk or S3), for Kiln's native resumable uploads.
 * Every PATCH body becomes one blob `uploads/<id>/chunk/<start offset>`, written atomically by
 * put(); the upload's offset is the contiguous run of chunks from 0, so the state survives restarts
 * and is shared by every API node. A PATCH cut mid-way is ended gracefully by @tus/server, so the
 * bytes that arrived are kept and the client resumes right after them. Assembly streams the chunks
 * in order into the asset (see finishResumableUpload), then drops them.
 *
 * The owner is not visible to a DataStore: the HTTP layer checks it (readInfo) before any request
 * reaches @tus/server, and passes it to create() through the metadata key `kiln-account`.
 */
export class ResumableUploadStore extends DataStore {
  constructor(private readonly blobs: BlobStore) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const { 'kiln-account': accountId, ...metadata } = upload.metadata ?? {};
    if (!accountId || upload.size === undefined) throw ERRORS.INVALID_LENGTH;
    const info: ResumableUploadInfo = {
      id: upload.id,
      accountId,
      size: upload.size,
      metadata,
      createdAt: new Date().toISOString(),
    };
    await this.writeInfo(info);
    upload.metadata = metadata;
    upload.creation_date = info.createdAt;
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    const offset = info.completed ? info.size : (await this.chunks(id)).total;
    return new Upload({
      id,
      size: info.size,
      offset,
      metadata: info.metadata,
      creation_date: info.createdAt,
    });
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const info = await this.readInfo(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    if (info.completed) throw ERRORS.FILE_NO_LONGER_EXISTS;
    const key = `${chunkPrefix(id)}/${String(offset).padStart(OFFSET_DIGITS, '0')}`;
    // put() must own its stream: the pass-through isolates it from the request's error handling.
    const stored = await this.blobs.put(key, stream.pipe(new PassThrough()));
    if (stored.size === 0) await this.blobs.delete(key);
    return offset + stored.size;
  }

  override async remove(id: string): Promise<void> {
    if (!(await this.readInfo(id))) throw ERRORS.FILE_NOT_FOUND;
    await this.blobs.deletePrefix(`${PREFIX}/${id}`);
  }

  override getExpiration(): number {
    return RESUMABLE_UPLOAD_TTL_MS;
  }

  /** Drops unfinished uploads older than the TTL and finished ones' leftovers; returns how many. */
  override async deleteExpired(): Promise<number> {
    const cutoff = Date.now() - RESUMABLE_UPLOAD_TTL_MS;
    const stale = new Set<string>();
    for await (const b of this.blobs.list(PREFIX)) {
      if (b.key.endsWith('/info.json') && b.lastModified.getTime() < cutoff) stale.add(b.key.split('/')[1]!);
    }
    for (const id of stale) await this.blobs.deletePrefix(`${PREFIX}/${id}`);
    return stale.size;
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
  async assembled(info: ResumableUploadInfo): Promise<Readable> {
    const { list, total } = await this.chunks(info.id);
    if (total !== info.size)
      throw new Error(`resumable upload ${info.id} has ${total} of ${info.size} bytes`);
    const blobs = this.blobs;
    async function* concatenated() {
      for (const c of list) yield* await blobs.get(c.key);
    }
    return Readable.from(concatenated());
  }

  async dropChunks(id: string): Promise<void> {
    await this.blobs.deletePrefix(chunkPrefix(id));
  }

  private async chunks(id: string) {
    const all: Array<{ key: string; offset: number; size: number }> = [];
    for await (const b of this.blobs.list(chunkPrefix(id))) {
      const offset = Number(b.key.slice(b.key.lastIndexOf('/') + 1));
      if (Number.isInteger(offset)) all.push({ key: b.key, offset, size: b.size });
    }
    all.sort((a, b) => a.offset - b.offset);
    // Only the contiguous run from 0 counts: a stray chunk can never shift the offset.
    const list = [];
    let total = 0;
    for (const c of all) {
      if (c.offset !== total) break;
      list.push(c);
      total += c.size;
    }
    return { list, total };
  }
}

function infoKey(id: string): string {
  return `${PREFIX}/${id}/info.json`;
}

function chunkPrefix(id: string): string {
  return `${PREFIX}/${id}/chunk`;
}
