import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { BlobStore } from '../../core/blobs/blob-store.js';
import { UploadChunks } from '../../core/ingest/upload-chunks.js';

/** One upload as a tus mount keeps it: its record lives wherever the mount likes, its bytes here. */
export interface TusUploadRecord {
  id: string;
  size: number;
  metadata: Record<string, string | null>;
  /** When the unfinished upload expires (ISO). */
  expiresAt: string;
  /** Where its UploadChunks live. */
  chunkPrefix: string;
  /** The bytes went into an asset already: the upload is complete and takes no more. */
  done: boolean;
}

/** The records of one tus mount (created by the mount's naming function, which sees the request). */
export interface TusUploadRecords {
  find(id: string): Promise<TusUploadRecord | null>;
  /** Termination: the record goes (the store drops the chunks first). */
  remove(id: string): Promise<void>;
  /** Drops abandoned uploads; returns how many. */
  deleteExpired?(): Promise<number>;
}

/** Expiry goes through tus' fixed window: creation_date is set to expiresAt minus the window. */
const EXPIRATION_WINDOW_MS = 24 * 3600_000;

/**
 * The one tus DataStore of Kiln, on any BlobStore (disk or S3), for every tus mount (Cloudflare
 * Stream, /kiln/v1/uploads). The bytes are UploadChunks (committed every few MiB as they arrive,
 * so a crash mid-PATCH loses at most one chunk; the offset is what is committed, shared by every
 * node); the record (size, metadata, expiry, completion) comes from the mount's TusUploadRecords.
 * A PATCH cut mid-way is ended gracefully by @tus/server, so the bytes that arrived are kept.
 */
export class BlobTusStore extends DataStore {
  private readonly chunks: UploadChunks;

  constructor(
    blobs: BlobStore,
    private readonly records: TusUploadRecords,
    options: { commitBytes?: number } = {},
  ) {
    super();
    this.chunks = new UploadChunks(blobs, options.commitBytes);
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  /** The record was made by the mount's naming function; this only dates the Upload. */
  override async create(upload: Upload): Promise<Upload> {
    const record = await this.find(upload.id);
    upload.creation_date = creationDate(record);
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const record = await this.find(id);
    const offset = record.done ? record.size : await this.chunks.offset(record.chunkPrefix);
    return new Upload({
      id,
      size: record.size,
      offset,
      metadata: record.metadata,
      creation_date: creationDate(record),
    });
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const record = await this.find(id);
    if (record.done) throw ERRORS.FILE_NO_LONGER_EXISTS;
    return this.chunks.append(record.chunkPrefix, offset, stream);
  }

  override async remove(id: string): Promise<void> {
    const record = await this.find(id);
    await this.chunks.drop(record.chunkPrefix);
    await this.records.remove(id);
  }

  override getExpiration(): number {
    return EXPIRATION_WINDOW_MS;
  }

  override async deleteExpired(): Promise<number> {
    return (await this.records.deleteExpired?.()) ?? 0;
  }

  private async find(id: string): Promise<TusUploadRecord> {
    const record = await this.records.find(id);
    if (!record) throw ERRORS.FILE_NOT_FOUND;
    return record;
  }
}

function creationDate(record: TusUploadRecord): string {
  return new Date(Date.parse(record.expiresAt) - EXPIRATION_WINDOW_MS).toISOString();
}
