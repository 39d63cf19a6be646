import type { Account } from '../../../core/accounts/account.js';
import {
  checkMetadataCount,
  checkMetadataKey,
  checkMetadataValue,
} from '../../../core/uploadcare/metadata-rules.js';
import { normalizeTags } from '../../../core/uploadcare/tag-rules.js';
import { ucError } from './uc-errors.js';
import type { UcParams } from './uc-params.js';

/** What every upload call shares: where it is kept, for how long, and the user's metadata and tags. */
export interface UploadOptions {
  stored: boolean;
  expiresAt: string | null;
  metadata: Record<string, string>;
  tags: string[];
}

/** Temporary (unstored) files live this long (reference §3.1). */
export const TEMPORARY_TTL_MS = 24 * 3600 * 1000;

export function uploadOptions(params: UcParams, account: Account, storeParam: string): UploadOptions {
  const stored = storeFlag(
    params.get(storeParam) ?? params.get(storeParam === 'store' ? 'UPLOADCARE_STORE' : 'store'),
    account,
  );
  return {
    stored,
    expiresAt: stored ? null : new Date(Date.now() + TEMPORARY_TTL_MS).toISOString(),
    metadata: metadataOf(params),
    tags: tagsOf(params.get('tags')),
  };
}

/** `0` temporary, `1` stored, `auto` (or nothing) per the account's auto-store setting (default on). */
export function storeFlag(value: string | undefined, account: Account): boolean {
  const v = (value ?? 'auto').toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return account.settings.autoStore !== false;
}

/** `metadata[key]=value` fields, checked by the metadata rules (core/uploadcare/metadata-rules) with every error of the table. */
export function metadataOf(params: UcParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of params.entries()) {
    const m = /^metadata\[(.*)\]$/s.exec(name);
    if (!m) continue;
    const key = m[1]!;
    checkMetadataKey(key);
    if (values.length > 1 || Object.hasOwn(out, key)) throw ucError('FileMetadataKeyDuplicatedError', key);
    out[key] = checkMetadataValue(key, values[0]);
    checkMetadataCount(Object.keys(out).length);
  }
  return out;
}

/** Comma-joined tags, by the tag rules (core/uploadcare/tag-rules). */
export function tagsOf(raw: string | undefined): string[] {
  return raw ? normalizeTags(raw.split(',')) : [];
}

/** Uploadcare's stored filename: the original with everything outside `[A-Za-z0-9._]` removed. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  return base.replace(/[^A-Za-z0-9._]/g, '').slice(0, 255);
}
