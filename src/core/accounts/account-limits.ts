import type { AssetRepository } from '../assets/asset-repository.js';
import { KilnError } from '../errors/kiln-error.js';
import type { Account, AccountSettings } from './account.js';

export type AccountLimit = 'maxFileSize' | 'maxFiles' | 'maxStorageBytes';

/** The limits an operator sets on an account (`kiln accounts create|update`, PATCH /kiln/v1/accounts/:id/limits). */
export const ACCOUNT_LIMITS: readonly AccountLimit[] = ['maxFileSize', 'maxFiles', 'maxStorageBytes'];

type Deps = { assets: Pick<AssetRepository, 'count' | 'storedBytes'> };

/**
 * Checks new files of the given sizes (a size of 0 when not yet known) against the account's
 * limits, before any of them is stored. Throws limit_exceeded with details.accountLimit naming
 * the limit that tripped.
 */
export async function checkAccountLimits(deps: Deps, account: Account, sizes: number[]): Promise<void> {
  await assertRoom(deps, account, { files: sizes.length, sizes });
}

/**
 * The same check for `files` new rows carrying `sizes` bytes; `files` is 0 when an upload fills a
 * row that already exists and is already counted (a draft, a pending video).
 */
export async function assertRoom(
  deps: Deps,
  account: Account,
  incoming: { files: number; sizes: number[] },
): Promise<void> {
  const s = account.settings;
  if (positive(s.maxFileSize) && incoming.sizes.some((size) => size > s.maxFileSize!))
    throw accountLimitError('maxFileSize', s.maxFileSize!);
  if (
    positive(s.maxFiles) &&
    (await deps.assets.count({ accountId: account.id })) + incoming.files > s.maxFiles!
  ) {
    throw accountLimitError('maxFiles', s.maxFiles!);
  }
  if (positive(s.maxStorageBytes)) {
    const used = await deps.assets.storedBytes(account.id);
    const total = incoming.sizes.reduce((a, b) => a + b, 0);
    if (used + total > s.maxStorageBytes! || (used >= s.maxStorageBytes! && incoming.sizes.length > 0))
      throw accountLimitError('maxStorageBytes', s.maxStorageBytes!);
  }
}

/**
 * How many bytes one upload of unknown size may still bring: the smaller of the file size limit
 * and the storage left. `limit` names the limit that bounds it (null when the account has none),
 * so a meter tripping there reports the account's limit rather than the dialect's.
 */
export async function byteRoom(
  deps: Deps,
  account: Account,
): Promise<{ bytes: number; limit: AccountLimit | null; value: number }> {
  const s = account.settings;
  let room = { bytes: Number.MAX_SAFE_INTEGER, limit: null as AccountLimit | null, value: 0 };
  if (positive(s.maxFileSize)) room = { bytes: s.maxFileSize!, limit: 'maxFileSize', value: s.maxFileSize! };
  if (positive(s.maxStorageBytes)) {
    const left = Math.max(0, s.maxStorageBytes! - (await deps.assets.storedBytes(account.id)));
    if (left < room.bytes) room = { bytes: left, limit: 'maxStorageBytes', value: s.maxStorageBytes! };
  }
  return room;
}

/** Validates an operator's limits patch: positive integers, or null to remove a limit. */
export function parseLimits(input: Record<string, unknown>): Partial<Record<AccountLimit, number | null>> {
  const out: Partial<Record<AccountLimit, number | null>> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!ACCOUNT_LIMITS.includes(key as AccountLimit)) {
      throw new KilnError('invalid_input', `Unknown account limit ${key}`, { details: { field: key } });
    }
    if (value !== null && !(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
      throw new KilnError('invalid_input', `${key} must be a positive integer or null`, {
        details: { field: key },
      });
    }
    out[key as AccountLimit] = value as number | null;
  }
  return out;
}

/** The limits as set on an account: null where there is none. */
export function limitsOf(settings: AccountSettings): Record<AccountLimit, number | null> {
  return {
    maxFileSize: positive(settings.maxFileSize) ? settings.maxFileSize! : null,
    maxFiles: positive(settings.maxFiles) ? settings.maxFiles! : null,
    maxStorageBytes: positive(settings.maxStorageBytes) ? settings.maxStorageBytes! : null,
  };
}

function positive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

export function accountLimitError(limit: AccountLimit, value: number): KilnError {
  return new KilnError('limit_exceeded', `Account limit ${limit} (${value}) reached`, {
    details: { accountLimit: limit, limit: value },
  });
}
