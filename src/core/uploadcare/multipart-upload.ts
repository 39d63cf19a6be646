import { randomUUID } from 'node:crypto';
import type { Asset } from '../assets/asset.js';
import { originalKey } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { type BlobStore, isMultipartCapable } from '../blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { assetKindFromContentType } from '../ingest/sniff-content-type.js';
import type { JobQueue } from '../jobs/job-queue.js';

export const UC_MULTIPART_ABANDON_JOB = 'uploadcare.multipart.abandon';

/** Kept in `extra.multipart` of the draft asset while parts arrive. */
export interface MultipartState {
  uploadId: string;
  key: string;
  size: number;
  partSize: number;
  /** Expiry the file gets once complete (temporary uploads). */
  expiresAt: string | null;
}

export interface StartMultipartInput {
  accountId: string;
  filename: string;
  size: number;
  partSize: number;
  contentType: string;
  metadata: Record<string, string>;
  stored: boolean;
  expiresAt: string | null;
  extra: Record<string, unknown>;
}

/** What multipart uploads need: the store, the assets, the queue, the ingest path and one setting. */
interface Deps {
  blobs: BlobStore;
  assets: AssetRepository;
  jobs: JobQueue;
  ingest: IngestService;
  config: { uploadcareMultipartTtlSeconds: number };
}

const ucError = (ucCode: string, status: number, message: string) =>
  new KilnError(status === 404 ? 'not_found' : 'invalid_input', message, { status, details: { ucCode } });

export function partCount(size: number, partSize: number): number {
  return Math.ceil(size / partSize);
}

/**
 * Opens a multipart upload: a draft asset (status `uploading`, no bytes yet) that carries the
 * store's upload id, plus a durable job that removes it if it is not completed in time.
 */
export async function startMultipart(deps: Deps, input: StartMultipartInput): Promise<Asset> {
  if (!isMultipartCapable(deps.blobs))
    throw new KilnError('unavailable', 'The blob store cannot take multipart uploads');
  const id = randomUUID();
  const key = originalKey(input.accountId, id);
  const uploadId = await deps.blobs.createMultipart(key, { contentType: input.contentType });
  const multipart: MultipartState = {
    uploadId,
    key,
    size: input.size,
    partSize: input.partSize,
    expiresAt: input.expiresAt,
  };
  // An upload session of the one ingest path: admitted against the account's file count.
  const asset = await deps.ingest.openSession({
    id,
    accountId: input.accountId,
    kind: assetKindFromContentType(input.contentType),
    status: 'uploading',
    size: 0,
    contentType: input.contentType,
    originalName: input.filename,
    metadata: input.metadata,
    stored: input.stored,
    source: 'uploadcare',
    extra: { ...input.extra, multipart },
  });
  await deps.jobs.enqueue(
    UC_MULTIPART_ABANDON_JOB,
    { accountId: input.accountId, assetId: id },
    {
      delayMs: deps.config.uploadcareMultipartTtlSeconds * 1000,
      singletonKey: id,
    },
  );
  return asset;
}

export function multipartState(asset: Asset): MultipartState | null {
  return (asset.extra.multipart as MultipartState | undefined) ?? null;
}

/**
 * Assembles the parts once all of them are there with the declared sizes; a mismatch is reported
 * and the upload stays open (missing parts may still be sent). The asset becomes ready with its
 * sniffed type and media facts.
 */
export async function completeMultipart(deps: Deps, accountId: string, id: string): Promise<Asset> {
  if (!isMultipartCapable(deps.blobs))
    throw new KilnError('unavailable', 'The blob store cannot take multipart uploads');
  const claimed = await deps.assets.transition(id, { accountId, from: 'uploading', to: 'completing' });
  const asset = await deps.assets.find(accountId, id);
  const state = asset ? multipartState(asset) : null;
  if (!asset || (!state && asset.status !== 'ready'))
    throw ucError('MultipartFileNotFoundError', 404, 'File is not found.');
  if (!claimed) throw ucError('MultipartFileAlreadyUploadedError', 400, 'File is already uploaded.');
  const s = state!;
  try {
    const parts = await deps.blobs.listParts(s.key, s.uploadId);
    const n = partCount(s.size, s.partSize);
    const total = parts.reduce((sum, p) => sum + p.size, 0);
    if (total > s.size || parts.some((p) => p.partNumber > n)) {
      throw ucError('MultipartUploadSizeTooLargeError', 400, 'Uploaded size is more than expected.');
    }
    if (total < s.size || parts.length < n) {
      throw ucError('MultipartUploadSizeTooSmallError', 400, 'File size mismatch. Not all parts uploaded?');
    }
    for (const p of parts) {
      if (p.size !== Math.min(s.partSize, s.size - (p.partNumber - 1) * s.partSize)) {
        throw ucError(
          'MultipartFileCompletionFailedError',
          400,
          'Can not complete upload. Wrong parts size?',
        );
      }
    }
    const info = await deps.blobs.completeMultipart(
      s.key,
      s.uploadId,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    // The parts went straight to the store (presigned on S3): the one ingest path records them.
    return await deps.ingest.recordStored({
      accountId,
      into: asset,
      key: s.key,
      size: info.size,
      source: asset.source,
      declaredType: asset.contentType,
      expiresAt: s.expiresAt,
      extra: { multipart: undefined },
    });
  } catch (err) {
    await deps.assets.transition(id, { accountId, from: 'completing', to: 'uploading' });
    throw err;
  }
}

/** The cleanup job: an upload still open after its time is aborted and its draft removed. */
export async function abandonMultipart(
  deps: Deps,
  payload: { accountId: string; assetId: string },
): Promise<void> {
  const asset = await deps.assets.find(payload.accountId, payload.assetId);
  const state = asset ? multipartState(asset) : null;
  if (!asset || !state || asset.status !== 'uploading') return;
  if (isMultipartCapable(deps.blobs))
    await deps.blobs.abortMultipart(state.key, state.uploadId).catch(() => {});
  await deps.blobs.delete(state.key);
  await deps.assets.purge(asset.id);
}
