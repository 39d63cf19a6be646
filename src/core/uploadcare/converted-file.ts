import type { Asset } from '../assets/asset.js';
import type { IngestService } from '../ingest/ingest-service.js';
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

/**
 * A conversion's output as a new Uploadcare file, through the one ingest path: account limits,
 * bytes into the store, media facts from the local file, one complete row.
 */
export function saveConvertedFile(
  deps: { ingest: Pick<IngestService, 'ingestFile'> },
  file: ConvertedFile,
): Promise<Asset> {
  return deps.ingest.ingestFile({
    id: file.id,
    accountId: file.accountId,
    path: file.path,
    maxBytes: Number.MAX_SAFE_INTEGER,
    source: 'uploadcare',
    declaredType: file.contentType,
    originalName: file.name,
    stored: file.stored,
    expiresAt: file.stored ? null : new Date(Date.now() + TEMPORARY_TTL_MS).toISOString(),
    extra: { convertedFrom: file.copiedFrom },
  });
}
