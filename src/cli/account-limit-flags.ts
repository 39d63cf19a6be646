import type { Command } from 'commander';
import type { AccountLimit } from '../core/accounts/account-limits.js';

/** The limit flags of `kiln accounts create|update`, each naming one account limit. */
const FLAGS: Array<[flag: string, limit: AccountLimit, what: string]> = [
  [
    '--max-file-size <bytes>',
    'maxFileSize',
    'largest single file (bytes; k, m, g, t suffixes; "none" removes)',
  ],
  ['--max-files <count>', 'maxFiles', 'most live files ("none" removes)'],
  [
    '--max-storage-bytes <bytes>',
    'maxStorageBytes',
    'most bytes stored, originals and variants ("none" removes)',
  ],
];

export function withLimitOptions(command: Command): Command {
  for (const [flag, , what] of FLAGS) command.option(flag, what);
  return command;
}

/** The limits the flags set: a number, null for "none", absent when the flag was not given. */
export function limitsFromFlags(
  flags: Record<string, unknown>,
): Partial<Record<AccountLimit, number | null>> {
  const out: Partial<Record<AccountLimit, number | null>> = {};
  for (const [, limit] of FLAGS) {
    const raw = flags[limit];
    if (typeof raw === 'string') out[limit] = parseAmount(limit, raw);
  }
  return out;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function parseAmount(limit: AccountLimit, raw: string): number | null {
  const text = raw.trim().toLowerCase();
  if (text === 'none') return null;
  const match = /^(\d+)\s*([kmgt]?)(?:i?b)?$/.exec(text);
  const value = match ? Number(match[1]) * UNITS[match[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0 || (limit === 'maxFiles' && match![2] !== '')) {
    throw new Error(
      `${limit}: expected a positive ${limit === 'maxFiles' ? 'count' : 'size'} or "none", got "${raw}"`,
    );
  }
  return value;
}
