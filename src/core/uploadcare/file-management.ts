import { randomUUID } from 'node:crypto';
import { checkAccountLimits } from '../accounts/account-limits.js';
import { type Asset, originalKey } from '../assets/asset.js';
import type { AssetRepository } from '../assets/asset-repository.js';
import { deleteAsset } from '../assets/delete-asset.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { type FileEventDeps, fileStored, fileUploaded } from './file-events.js';
import { checkMetadata } from './metadata-rules.js';
import { restError, restNotFound } from './rest-error.js';

export interface FileDeps extends FileEventDeps {
  assets: AssetRepository;
  blobs: BlobStore;
}

/** Temporary (unstored) files live this long. */
export const TEMPORARY_TTL_MS = 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const BATCH_MAX = 100;
/**
 * The assets that are Uploadcare files: those its APIs created (the CDN serves only these, so the
 * REST API shows only these, and every URL it hands out works).
 */
export const UPLOADCARE_SOURCE = 'uploadcare';

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A file the Upload API and the CDN show, or null (the three APIs agree on what exists). */
export async function findFile(deps: FileDeps, accountId: string, uuid: string): Promise<Asset | null> {
  if (!isUuid(uuid)) return null;
  const asset = await deps.assets.find(accountId, uuid.toLowerCase());
  if (
    !asset ||
    asset.source !== UPLOADCARE_SOURCE ||
    !asset.blobKey ||
    asset.status === 'uploading' ||
    asset.status === 'completing'
  )
    return null;
  if (asset.expiresAt !== null && asset.expiresAt <= new Date().toISOString()) return null;
  return asset;
}

export async function getFile(deps: FileDeps, accountId: string, uuid: string): Promise<Asset> {
  const asset = await findFile(deps, accountId, uuid);
  if (!asset) throw restNotFound();
  return asset;
}

/** Stores a file for good (no expiry); `file.stored` when it was temporary. */
export async function storeFile(deps: FileDeps, accountId: string, uuid: string): Promise<Asset> {
  const asset = await getFile(deps, accountId, uuid);
  if (asset.stored && asset.expiresAt === null) return asset;
  const stored = await deps.assets.mergeExtra(
    accountId,
    asset.id,
    { ucStoredAt: new Date().toISOString() },
    { stored: true, expiresAt: null },
  );
  await fileStored(deps, stored);
  return stored;
}

/** Deletes a file for every API at once (the CDN URL stops working); the purge job announces `file.deleted`. */
export async function removeFile(
  deps: FileDeps,
  accountId: string,
  uuid: string,
): Promise<{ asset: Asset; removedAt: string }> {
  const asset = await getFile(deps, accountId, uuid);
  await deleteAsset(deps, accountId, asset.id);
  return { asset, removedAt: new Date().toISOString() };
}

export interface BatchResult {
  problems: Record<string, string>;
  result: Array<{ asset: Asset; removedAt: string | null }>;
}

/** Batch store or delete: up to 100 uuids; each one that cannot be done is named in `problems`. */
export async function batchFiles(
  deps: FileDeps,
  accountId: string,
  body: unknown,
  op: 'store' | 'delete',
): Promise<BatchResult> {
  if (!Array.isArray(body) || body.some((u) => typeof u !== 'string'))
    throw restError(400, 'Expected list of UUIDs');
  if (body.length === 0) throw restError(400, 'List of UUIDs can not be empty');
  if (body.length > BATCH_MAX)
    throw restError(400, `Maximum UUIDs per request is exceeded. The limit is ${BATCH_MAX}`);
  const out: BatchResult = { problems: {}, result: [] };
  for (const uuid of new Set(body as string[])) {
    if (!isUuid(uuid)) {
      out.problems[uuid] = 'Invalid';
      continue;
    }
    if (!(await findFile(deps, accountId, uuid))) {
      out.problems[uuid] = 'Missing in the project';
      continue;
    }
    if (op === 'store') out.result.push({ asset: await storeFile(deps, accountId, uuid), removedAt: null });
    else out.result.push(await removeFile(deps, accountId, uuid));
  }
  return out;
}

export interface LocalCopyInput {
  source: unknown;
  store: unknown;
  metadata: unknown;
}

/**
 * `/files/local_copy/`: a new file with the same bytes (a blob copy, no re-upload), stored or
 * temporary as asked (else per the project's auto-store), with the source's metadata unless given.
 */
export async function copyFileLocally(
  deps: FileDeps,
  accountId: string,
  input: LocalCopyInput,
): Promise<Asset> {
  if (input.source === undefined || input.source === null || input.source === '')
    throw restError(400, '`source` parameter is required.');
  const uuid = sourceUuid(String(input.source), deps.config.publicUrl);
  if (!uuid) throw restError(400, 'Bad `source` parameter. Use UUID or CDN URL.');
  const source = await findFile(deps, accountId, uuid);
  if (!source) throw restError(400, 'Bad `source` parameter. Use UUID or CDN URL.');
  if (source.status !== 'ready') throw restError(400, 'File is not ready yet.');
  const stored = await storeChoice(deps, accountId, input.store);
  const metadata = input.metadata === undefined ? source.metadata : checkMetadata(input.metadata);
  await checkAccountLimits(deps, await deps.accounts.get(accountId), [source.size]);
  const id = randomUUID();
  const key = originalKey(accountId, id);
  await deps.blobs.copy(source.blobKey!, key);
  const copy = await deps.assets.create({
    id,
    accountId,
    kind: source.kind,
    status: 'ready',
    blobKey: key,
    size: source.size,
    contentType: source.contentType,
    sha256: source.sha256,
    originalName: source.originalName,
    metadata,
    stored,
    expiresAt: stored ? null : new Date(Date.now() + TEMPORARY_TTL_MS).toISOString(),
    width: source.width,
    height: source.height,
    durationSeconds: source.durationSeconds,
    source: 'uploadcare',
    extra: { media: source.extra.media, tags: source.extra.tags ?? [], copiedFrom: source.id },
  });
  await fileUploaded(deps, copy, { type: 'api', sourceFileUuid: source.id });
  return copy;
}

/** `store`: true/false (or their strings); absent means the project's auto-store setting. */
async function storeChoice(deps: FileDeps, accountId: string, value: unknown): Promise<boolean> {
  if (value === undefined || value === null || value === 'auto') {
    return (await deps.accounts.get(accountId)).settings.autoStore !== false;
  }
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw restError(400, '`store` parameter should be `true` or `false`.');
}

/** A uuid, `<uuid>/`, or a CDN URL of one without processing operations. */
export function sourceUuid(source: string, publicUrl: string): string | null {
  let path = source.trim();
  if (/^https?:\/\//i.test(path)) {
    try {
      const url = new URL(path);
      if (url.origin !== new URL(publicUrl).origin) return null;
      path = url.pathname.replace(/^\/+/, '');
    } catch {
      return null;
    }
  }
  const m = /^([0-9a-f-]{36})(?:\/([^/]*))?\/?$/i.exec(path);
  if (!m || !isUuid(m[1]!) || (m[2] !== undefined && m[2].startsWith('-'))) return null;
  return m[1]!.toLowerCase();
}
