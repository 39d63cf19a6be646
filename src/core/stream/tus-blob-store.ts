import { PassThrough, Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import { type Asset, assetPrefix } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { STREAM_SOURCE, streamFacts } from './stream-facts.js';

/**
 * A tus DataStore on any Kiln BlobStore (local disk or S3): every PATCH body becomes one blob
 * `<asset>/tus/<start offset>`, written atomically by put(). The offset of an upload is the sum of
 * its chunks, so the state survives restarts and is shared by every API node. A PATCH cut mid-way
 * is ended gracefully by @tus/server, so the bytes that did arrive are kept and the client resumes
 * right after them. Completion concatenates the chunks into the original and removes them.
 *
 * The upload row (the video asset, `pendingupload`) is created by the dialect before the tus
 * handler runs; `create()` only shapes the Upload. Per-upload expiry is expressed through tus'
 * fixed expiration window by back-dating creation_date (expiry - window).
 */
export const TUS_EXPIRATION_WINDOW_MS = 6 * 3600_000;
const OFFSET_DIGITS = 15;

export class BlobTusStore extends DataStore {
  constructor(private readonly deps: { assets: AssetRepository; blobs: BlobStore }) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const asset = await this.pending(upload.id);
    upload.creation_date = creationDate(asset);
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const asset = await this.deps.assets.findAnyAccount(id);
    if (!asset || asset.source !== STREAM_SOURCE || streamFacts(asset).uploadKind !== 'tus')
      throw ERRORS.FILE_NOT_FOUND;
    const facts = streamFacts(asset);
    const size = facts.uploadLength ?? 0;
    const offset = asset.status === 'pendingupload' ? (await this.chunks(asset)).total : size;
    return new Upload({ id, size, offset, metadata: {}, creation_date: creationDate(asset) });
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const asset = await this.pending(id);
    const key = `${chunkPrefix(asset)}/${String(offset).padStart(OFFSET_DIGITS, '0')}`;
    // put() needs a stream it owns; the pass-through isolates it from the request's error handling.
    const body = stream.pipe(new PassThrough());
    const info = await this.deps.blobs.put(key, body);
    if (info.size === 0) await this.deps.blobs.delete(key);
    return offset + info.size;
  }

  override async remove(id: string): Promise<void> {
    const asset = await this.pending(id);
    await this.deps.blobs.deletePrefix(chunkPrefix(asset));
    await this.deps.assets.softDelete(asset.accountId, asset.id);
  }

  override getExpiration(): number {
    return TUS_EXPIRATION_WINDOW_MS;
  }

  override async deleteExpired(): Promise<number> {
    return 0; // the asset expiry sweep releases unused uploads (expiresAt = upload expiry)
  }

  /**
   * The chunks (checked contiguous and complete) as one stream, in order: the Stream tus
   * completion hands it to the ingest service, then drops the chunks.
   */
  async assembled(asset: Asset): Promise<Readable> {
    const { list, total } = await this.chunks(asset);
    const expected = streamFacts(asset).uploadLength ?? total;
    let at = 0;
    for (const c of list) {
      if (c.offset !== at) throw new Error(`tus chunks of ${asset.id} are not contiguous at ${at}`);
      at += c.size;
    }
    if (at !== expected) throw new Error(`tus upload ${asset.id} has ${at} of ${expected} bytes`);
    const blobs = this.deps.blobs;
    async function* concatenated() {
      for (const c of list) yield* await blobs.get(c.key);
    }
    return Readable.from(concatenated());
  }

  async dropChunks(asset: Asset): Promise<void> {
    await this.deps.blobs.deletePrefix(chunkPrefix(asset));
  }

  private async pending(id: string): Promise<Asset> {
    const asset = await this.deps.assets.findAnyAccount(id);
    if (!asset || asset.source !== STREAM_SOURCE) throw ERRORS.FILE_NOT_FOUND;
    if (asset.status !== 'pendingupload') throw ERRORS.FILE_NO_LONGER_EXISTS;
    return asset;
  }

  private async chunks(asset: Asset) {
    const list: Array<{ key: string; offset: number; size: number }> = [];
    for await (const b of this.deps.blobs.list(chunkPrefix(asset))) {
      const offset = Number(b.key.slice(b.key.lastIndexOf('/') + 1));
      if (Number.isInteger(offset)) list.push({ key: b.key, offset, size: b.size });
    }
    list.sort((a, b) => a.offset - b.offset);
    // Only the contiguous run from 0 counts (a stray chunk can never shift the offset).
    let total = 0;
    const run = [];
    for (const c of list) {
      if (c.offset !== total) break;
      run.push(c);
      total += c.size;
    }
    return { list: run, total };
  }
}

function chunkPrefix(asset: Pick<Asset, 'accountId' | 'id'>): string {
  return `${assetPrefix(asset.accountId, asset.id)}/tus`;
}

function creationDate(asset: Asset): string {
  const expiry = streamFacts(asset).uploadExpiry;
  return expiry ? new Date(Date.parse(expiry) - TUS_EXPIRATION_WINDOW_MS).toISOString() : asset.createdAt;
}
