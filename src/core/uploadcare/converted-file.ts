import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { checkAccountLimits } from '../accounts/account-limits.js';
import type { Asset } from '../assets/asset.js';
import { uploadAsset } from '../ingest/upload-asset.js';
import { describeMediaFile, factsDimensions } from '../media/describe-media.js';
import type { FileDeps } from './file-management.js';
import { TEMPORARY_TTL_MS } from './file-management.js';

export interface ConvertedFile {
  accountId: string;
  /** The uuid promised when the conversion was submitted. */
  id: string;
  path: string;
  contentType: string;
  name: string;
  stored: boolean;
  copiedFrom: string;
}

/** A conversion's output as a new Uploadcare file: bytes into the store, then one complete row. */
export async function saveConvertedFile(deps: FileDeps, file: ConvertedFile): Promise<Asset> {
  await checkAccountLimits(deps, await deps.accounts.get(file.accountId), [(await stat(file.path)).size]);
  const media = await describeMediaFile(file.path, file.contentType);
  const asset = await uploadAsset(deps, {
    id: file.id,
    accountId: file.accountId,
    body: createReadStream(file.path),
    maxBytes: Number.MAX_SAFE_INTEGER,
    source: 'uploadcare',
    declaredType: file.contentType,
    originalName: file.name,
    stored: file.stored,
    expiresAt: file.stored ? null : new Date(Date.now() + TEMPORARY_TTL_MS).toISOString(),
    status: 'processing',
    extra: { media, convertedFrom: file.copiedFrom },
  });
  return deps.assets.update(asset.accountId, asset.id, { ...factsDimensions(media), status: 'ready' });
}
