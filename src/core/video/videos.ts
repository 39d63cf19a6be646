import type { Readable } from 'node:stream';
import type { Asset } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { JobQueue } from '../jobs/job-queue.js';
import {
  DEFAULT_FACTS,
  newStreamUid,
  STREAM_SOURCE,
  type StreamFacts,
  type StreamState,
  streamFacts,
} from './video-facts.js';
import type { VideoSettings } from './video-settings.js';
import type { WatermarkView } from './watermarks.js';

export const PROCESS_STREAM_VIDEO_JOB = 'cfstream.process';

export interface StreamDeps {
  assets: AssetRepository;
  /** The one ingest path (built in the composition root). */
  ingest: IngestService;
  blobs: BlobStore;
  jobs: JobQueue;
  /** The runtime's config, when at hand: the processing job's lease (KILN_STREAM_LEASE_SECONDS). */
  config?: { streamLeaseSeconds: number };
}

export interface NewStreamVideo extends VideoSettings {
  /** A uid chosen beforehand (a tus creation names its upload first); a new one otherwise. */
  id?: string;
  accountId: string;
  state: StreamState;
  uploadKind: StreamFacts['uploadKind'];
  uploadExpiry?: string | null;
  uploadLength?: number | null;
  uploadMetadata?: Record<string, string | null> | null;
  uploadCapability?: boolean;
  copyUrl?: string | null;
  name?: string | null;
  /** The resolved watermark profile (resolveWatermark) to snapshot on the video. */
  watermark?: WatermarkView | null;
  liveInput?: string | null;
}

/** A video row with no bytes yet (pendingupload, downloading): `duration -1`, `input -1`. */
export async function createStreamVideo(
  deps: Pick<StreamDeps, 'assets'>,
  input: NewStreamVideo,
): Promise<Asset> {
  const facts: StreamFacts = {
    ...DEFAULT_FACTS,
    creator: input.creator ?? null,
    thumbnailTimestampPct: input.thumbnailTimestampPct ?? 0,
    requireSignedURLs: input.requireSignedURLs ?? false,
    allowedOrigins: input.allowedOrigins ?? [],
    maxDurationSeconds: input.maxDurationSeconds ?? null,
    uploadExpiry: input.uploadExpiry ?? null,
    scheduledDeletion: input.scheduledDeletion ?? null,
    uploadKind: input.uploadKind,
    uploadLength: input.uploadLength ?? null,
    uploadMetadata: input.uploadMetadata ?? null,
    uploadCapability: input.uploadCapability ?? false,
    copyUrl: input.copyUrl ?? null,
    watermarkUid: input.watermarkUid ?? null,
    watermark: input.watermark ?? null,
    liveInput: input.liveInput ?? null,
  };
  const meta = { ...(input.meta ?? {}) };
  if (input.name && meta.name === undefined) meta.name = input.name;
  return deps.assets.create({
    id: input.id ?? newStreamUid(),
    accountId: input.accountId,
    kind: 'video',
    status: input.state,
    contentType: 'video/mp4',
    originalName: typeof meta.name === 'string' ? meta.name : null,
    metadata: meta,
    // An upload that never comes is released by the expiry sweep; otherwise scheduled deletion.
    expiresAt: input.uploadExpiry ?? input.scheduledDeletion ?? null,
    source: STREAM_SOURCE,
    extra: facts as unknown as Record<string, unknown>,
  });
}

export async function updateFacts(
  assets: AssetRepository,
  asset: Asset,
  patch: Partial<StreamFacts>,
  rest: Omit<Parameters<AssetRepository['update']>[2], 'extra'> = {},
): Promise<Asset> {
  // Merged into the row as it is when the write lands (compare-and-swap): a transcode's progress
  // writes would otherwise put back facts an API node changed meanwhile (requireSignedURLs, meta...).
  return assets.mergeExtra(asset.accountId, asset.id, patch, rest);
}

/**
 * Streams the original bytes of a video through the ingest service (account limits, size-limited
 * mid-stream), which fills the pending row once they are durable: `queued`, upload expiry cleared.
 * Then the processing job is queued.
 */
export async function ingestVideoBytes(
  deps: StreamDeps,
  asset: Asset,
  body: Readable,
  options: { maxBytes: number; name?: string | null; signal?: AbortSignal; declaredSize?: number },
): Promise<Asset> {
  const facts = streamFacts(asset);
  const meta = { ...asset.metadata };
  if (options.name && meta.name === undefined) meta.name = options.name;
  const uploaded: Partial<StreamFacts> = {
    uploaded: new Date().toISOString(),
    uploadUsed: true,
    uploadExpiry: null,
    pctComplete: 0,
  };
  const updated = await deps.ingest.ingest({
    accountId: asset.accountId,
    body,
    maxBytes: options.maxBytes,
    declaredSize: options.declaredSize,
    source: asset.source,
    into: asset,
    status: 'queued',
    // The sniffed type only: it tells "not a video at all" from "a damaged video" later.
    metadata: meta,
    originalName: typeof meta.name === 'string' ? meta.name : asset.originalName,
    expiresAt: facts.scheduledDeletion,
    extra: uploaded as Record<string, unknown>,
    signal: options.signal,
  });
  await deps.jobs.enqueue(
    PROCESS_STREAM_VIDEO_JOB,
    { accountId: asset.accountId, assetId: asset.id },
    {
      singletonKey: asset.id,
      maxAttempts: 3,
      backoffMs: 2000,
      leaseSeconds: deps.config?.streamLeaseSeconds ?? 120,
    },
  );
  return updated;
}

/** A video that can still take its upload: pendingupload, not used, not expired. */
export function assertUploadOpen(asset: Asset, kind: StreamFacts['uploadKind']): StreamFacts {
  const facts = streamFacts(asset);
  if (facts.uploadKind !== kind || asset.status !== 'pendingupload' || facts.uploadUsed) {
    throw new KilnError('gone', 'This upload URL has already been used');
  }
  if (facts.uploadExpiry && Date.parse(facts.uploadExpiry) <= Date.now()) {
    throw new KilnError('gone', 'This upload URL has expired');
  }
  return facts;
}
