import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Db } from '../../adapters/db/database.js';
import type { Account } from '../accounts/account.js';
import { accountLimitError, assertRoom, byteRoom } from '../accounts/account-limits.js';
import { type Asset, type AssetKind, type AssetPatch, type NewAsset, originalKey } from '../assets/asset.js';
import { AssetRepository } from '../assets/asset-repository.js';
import type { AssetStatus } from '../assets/asset-status.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ImageLimits } from '../images/image-guard.js';
import { describeMediaFile, factsDimensions, isDescribable, withLocalCopy } from '../media/describe-media.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { checkImage, imageDimensions, notAnImage } from './image-check.js';
import { SNIFF_HEAD_BYTES } from './ingest-meter.js';
import { ingestStream } from './ingest-stream.js';
import { peekStream } from './peek-stream.js';
import { assetKindFromContentType, sniffContentType } from './sniff-content-type.js';

/** Bytes kept from the start of any upload to read an image's dimensions from its header. */
const DIMENSIONS_HEAD_BYTES = 64 * 1024;

/** What the service needs; built once in the composition root. */
export interface IngestDeps {
  db: Db;
  blobs: BlobStore;
  accounts: { get(id: string): Promise<Account> };
  metrics: { ingestedBytes: { inc(bytes: number): void } };
  /** Counts uploads per account and source (the dialect or way in). */
  usage?: UsageMeter;
  imageLimits: ImageLimits;
}

/**
 * A check by kind made on the first bytes, before anything is stored. The image guard (pixels,
 * frames, SVG rules) then reads the bytes kept while they streamed (at most the request's maxBytes,
 * which the image dialects keep small), never the stored blob.
 */
export interface ExpectImage {
  kind: 'image';
  /** Accepted content types (default: any image/*). */
  types?: ReadonlySet<string>;
  /** The dialect's refusal (default unsupported_media_type, reason not_an_image). */
  refuse?: (contentType: string) => Error;
}

/** Runs inside the transaction that writes the asset row: the dialect's own rows go here. */
export type WithinTransaction = (trx: Db, asset: Asset) => Promise<void>;

export interface IngestRequest {
  accountId: string;
  body: Readable;
  /** The dialect's own cap; the account's file size limit and storage left may tighten it. */
  maxBytes: number;
  source: string;
  /** The size announced up front (Content-Length, Upload-Length): refused before a byte moves. */
  declaredSize?: number;
  /** The type the client declared; the first bytes win over it. */
  declaredType?: string;
  expect?: ExpectImage;
  /** Forces the kind (a video dialect); otherwise it follows the sniffed type. */
  kind?: AssetKind;
  id?: string;
  originalName?: string | null;
  metadata?: Record<string, unknown>;
  stored?: boolean;
  expiresAt?: string | null;
  /** The status of the row once written (default `ready`). */
  status?: AssetStatus;
  /** Merged into the row's `extra`. */
  extra?: Record<string, unknown>;
  /** Fill this row (an upload session: a draft image, a pending video) instead of inserting one. */
  into?: Asset;
  /** A local copy of the same bytes (a spooled form part, a download): media facts are read from it. */
  localPath?: string;
  signal?: AbortSignal;
  withinTransaction?: WithinTransaction;
}

/** The row fields a staged upload may still receive when it is committed. */
export type RowFields = Pick<
  IngestRequest,
  'originalName' | 'metadata' | 'stored' | 'expiresAt' | 'status' | 'extra' | 'withinTransaction'
>;

/** Bytes stored and checked, the row not written yet. */
export interface StagedUpload {
  readonly id: string;
  readonly size: number;
  readonly contentType: string;
  /** The one row write (with the dialect's rows), then metrics; on failure the bytes go. */
  commit(rows?: RowFields): Promise<Asset>;
  /** Removes the stored bytes (the caller's own failure before commit). */
  discard(): Promise<void>;
}

/** Bytes a store has already assembled under `key` (multipart parts): recorded like any upload. */
export interface StoredBytesRequest
  extends Omit<IngestRequest, 'body' | 'maxBytes' | 'declaredSize' | 'into'> {
  into: Asset;
  key: string;
  size: number;
}

/**
 * The one way bytes become an asset, for every dialect: account limits, streaming into the blob
 * store while hashing and counting (limits enforced mid-stream), sniffing, a check by kind on the
 * first bytes, media facts, one row write together with the dialect's rows in one transaction,
 * metrics, and clean-up on any failure (no blob, no row left behind).
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  /**
   * Admission of an upload session before any byte moves (a tus creation, a multipart start, a
   * draft): `files` new rows of `size` bytes (0 when unknown) against the account's limits.
   */
  async admit(accountId: string, incoming: { files: number; size?: number }): Promise<void> {
    const account = await this.deps.accounts.get(accountId);
    await assertRoom({ assets: new AssetRepository(this.deps.db) }, account, {
      files: incoming.files,
      sizes: [incoming.size ?? 0],
    });
  }

  /**
   * Opens an upload session: a row with no bytes yet (a draft), admitted against the account's
   * file count, written with the dialect's own rows in one transaction.
   */
  async openSession(row: NewAsset, withinTransaction?: WithinTransaction): Promise<Asset> {
    await this.admit(row.accountId, { files: 1 });
    return this.deps.db.transaction().execute(async (trx) => {
      const asset = await new AssetRepository(trx).create({ ...row, blobKey: null });
      await withinTransaction?.(trx, asset);
      return asset;
    });
  }

  /** Streams `body` in and records it: stage() then commit(). */
  async ingest(request: IngestRequest): Promise<Asset> {
    return (await this.stage(request)).commit();
  }

  /**
   * Streams `body` into the store and checks it, without writing the row yet: for a dialect whose
   * row fields arrive after the file (form fields after the file part). The caller commits, or
   * discards on its own failure; commit discards by itself if the row cannot be written.
   */
  async stage(request: IngestRequest): Promise<StagedUpload> {
    const { deps } = this;
    const assets = new AssetRepository(deps.db);
    let room: Awaited<ReturnType<typeof byteRoom>>;
    let body: Readable;
    try {
      const account = await deps.accounts.get(request.accountId);
      await assertRoom({ assets }, account, {
        files: request.into ? 0 : 1,
        sizes: [request.declaredSize ?? 0],
      });
      room = await byteRoom({ assets }, account);
      body = request.expect ? await this.checkedBody(request) : request.body;
    } catch (err) {
      release(request.body);
      throw err;
    }
    const maxBytes = Math.min(request.maxBytes, room.bytes);
    const id = request.into?.id ?? request.id ?? randomUUID();
    const key = originalKey(request.accountId, id);
    const result = await ingestStream(deps.blobs, key, body, {
      maxBytes,
      signal: request.signal,
      contentType: request.declaredType,
      keepBytes: request.expect ? maxBytes : DIMENSIONS_HEAD_BYTES,
    }).catch((err: unknown) => {
      const tripped = (err as { code?: string }).code === 'payload_too_large' && maxBytes < request.maxBytes;
      throw tripped && room.limit ? accountLimitError(room.limit, room.value) : err;
    });
    const discard = () => deps.blobs.delete(key).catch(() => {});
    let facts: Awaited<ReturnType<IngestService['facts']>>;
    try {
      facts = await this.facts(request, result.contentType, result.head);
    } catch (err) {
      await discard();
      throw err;
    }
    const columns = {
      blobKey: key,
      size: result.size,
      sha256: result.sha256,
      contentType: result.contentType,
      ...facts,
    };
    return {
      id,
      size: result.size,
      contentType: result.contentType,
      discard,
      commit: async (rows = {}) => {
        try {
          return await this.record({ ...request, ...rows }, id, columns);
        } catch (err) {
          await discard();
          throw err;
        }
      },
    };
  }

  /** A file on local disk (a form part, a download): its media facts are read from it. */
  async ingestFile(
    request: Omit<IngestRequest, 'body' | 'localPath' | 'declaredSize'> & { path: string },
  ): Promise<Asset> {
    const { path, ...rest } = request;
    const { size } = await stat(path);
    return this.ingest({ ...rest, body: createReadStream(path), localPath: path, declaredSize: size });
  }

  /**
   * Bytes already assembled by the store under `key` (multipart parts): limits, the sniffed type
   * (from the first bytes only), facts and the one row write. The caller owns the blob on failure.
   */
  async recordStored(request: StoredBytesRequest): Promise<Asset> {
    const { deps } = this;
    const account = await deps.accounts.get(request.accountId);
    await assertRoom({ assets: new AssetRepository(deps.db) }, account, { files: 0, sizes: [request.size] });
    const head = await readHead(deps.blobs, request.key, request.size);
    const { contentType } = await sniffContentType(head, request.declaredType);
    // The bytes never passed through Kiln: the media tools read a local copy.
    const media = isDescribable(contentType)
      ? await withLocalCopy(deps.blobs, request.key, (path) => describeMediaFile(path, contentType))
      : {};
    return this.record({ kind: assetKindFromContentType(contentType), ...request }, request.into.id, {
      blobKey: request.key,
      size: request.size,
      sha256: null,
      contentType,
      ...factsDimensions(media),
      extra: { media },
    });
  }

  /** Refuses what is not the expected kind from its first bytes, before anything is stored. */
  private async checkedBody(request: IngestRequest): Promise<Readable> {
    const expect = request.expect!;
    const peeked = await peekStream(request.body, SNIFF_HEAD_BYTES);
    const { contentType } = await sniffContentType(peeked.head, request.declaredType);
    const ok = expect.types ? expect.types.has(contentType) : contentType.startsWith('image/');
    if (!ok || peeked.head.length === 0) {
      peeked.body.destroy();
      if (peeked.head.length === 0 && ok) await checkImage(peeked.head, this.deps.imageLimits);
      throw (expect.refuse ?? notAnImage)(contentType);
    }
    return peeked.body;
  }

  /** Dimensions and media facts of what was stored, from the kept bytes or the local copy. */
  private async facts(
    request: IngestRequest,
    contentType: string,
    head: Buffer,
  ): Promise<Pick<AssetPatch, 'width' | 'height' | 'durationSeconds'> & { extra?: Record<string, unknown> }> {
    if (request.expect) {
      const meta = await checkImage(head, this.deps.imageLimits);
      return { width: meta.width, height: meta.height };
    }
    if (request.localPath) {
      const media = await describeMediaFile(request.localPath, contentType);
      return { ...factsDimensions(media), extra: { media } };
    }
    if (assetKindFromContentType(contentType) === 'image') {
      const dims = await imageDimensions(head);
      if (dims) return dims;
    }
    return {};
  }

  /** The one row write (insert, or fill the session row) with the dialect's rows, then metrics. */
  private async record(
    request: Omit<IngestRequest, 'body' | 'maxBytes'>,
    id: string,
    bytes: AssetPatch & { blobKey: string; size: number; contentType: string },
  ): Promise<Asset> {
    const { extra: factsExtra, ...columns } = bytes;
    const extra = { ...request.extra, ...factsExtra };
    const asset = await this.deps.db.transaction().execute(async (trx) => {
      const assets = new AssetRepository(trx);
      const row = request.into
        ? await assets.mergeExtra(request.accountId, id, extra, {
            ...columns,
            status: request.status ?? 'ready',
            ...(request.kind ? { kind: request.kind } : {}),
            ...(request.originalName !== undefined ? { originalName: request.originalName } : {}),
            ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
            ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
            ...(request.stored !== undefined ? { stored: request.stored } : {}),
          })
        : await assets.create({
            ...columns,
            id,
            accountId: request.accountId,
            kind: request.kind ?? assetKindFromContentType(columns.contentType),
            status: request.status ?? 'ready',
            originalName: request.originalName ?? null,
            metadata: request.metadata,
            stored: request.stored,
            expiresAt: request.expiresAt,
            source: request.source,
            extra,
          });
      await request.withinTransaction?.(trx, row);
      return row;
    });
    this.deps.metrics.ingestedBytes.inc(asset.size);
    this.deps.usage?.add(asset.accountId, 'uploads', 1, { kind: request.source });
    this.deps.usage?.add(asset.accountId, 'uploaded_bytes', asset.size, { kind: request.source });
    return asset;
  }
}

/**
 * Lets go of a body refused before it was read: a request is drained (destroying it would destroy
 * its socket before the error response), any other stream destroyed.
 */
function release(body: Readable): void {
  if (body.readableEnded || body.destroyed) return;
  if (body instanceof IncomingMessage) body.resume();
  else body.destroy();
}

async function readHead(blobs: BlobStore, key: string, size: number): Promise<Buffer> {
  if (size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of await blobs.get(key, { start: 0, end: Math.min(SNIFF_HEAD_BYTES, size) - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
