import type { AssetRepository } from '../assets/asset-repository.js';
import { KilnError } from '../errors/kiln-error.js';
import type { Account } from './account.js';

export type AccountLimit = 'maxFileSize' | 'maxFiles' | 'maxStorageBytes';

/**
 * Checks new files of the given sizes (a size of 0 when not yet known) against the account's
 * limits, before any of them is stored. Throws limit_exceeded with details.accountLimit naming
 * the limit that tripped.
 */
export async function checkAccountLimits(
  deps: { assets: AssetRepository },
  account: Account,
  sizes: number[],
): Promise<void> {
  const s = account.settings;
  if (positive(s.maxFileSize) && sizes.some((size) => size > s.maxFileSize!))
    throw limitError('maxFileSize', s.maxFileSize!);
  if (
    positive(s.maxFiles) &&
    (await deps.assets.count({ accountId: account.id })) + sizes.length > s.maxFiles!
  ) {
    throw limitError('maxFiles', s.maxFiles!);
  }
  if (positive(s.maxStorageBytes)) {
    const used = await deps.assets.storedBytes(account.id);
    const incoming = sizes.reduce((a, b) => a + b, 0);
    if (used + incoming > s.maxStorageBytes!) throw limitError('maxStorageBytes', s.maxStorageBytes!);
  }
}

function positive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function limitError(limit: AccountLimit, value: number): KilnError {
  return new KilnError('limit_exceeded', `Account limit ${limit} (${value}) reached`, {
    details: { accountLimit: limit, limit: value },
  });
}
