import { KilnError } from '../../core/errors/kiln-error.js';
import { SOCKET_ERROR_CODES } from '../socket-errors.js';

/** Socket-level failures of the connection to the database server. */
const NETWORK = SOCKET_ERROR_CODES;

/**
 * SQLSTATEs meaning "the server cannot take this now": class 08 (connection exception), 53
 * (insufficient resources: too many connections, out of memory or disk), 57P01-57P03 (shutdown,
 * crash recovery, cannot connect now).
 */
const UNAVAILABLE_STATE = /^(08...|53...|57P0[123])$/;

/** node-postgres reports a lost or never-made connection with these messages (no code). */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated due to connection timeout',
  'Client was closed and is not queryable',
];

/** True when `err` says the database is unreachable or refusing work, not that our query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK.has(code) || UNAVAILABLE_STATE.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (PG_MESSAGES.some((m) => message.startsWith(m))) return true;
  // SQLite: the database file is locked beyond busy_timeout.
  return code === 'SQLITE_BUSY';
}

/** Maps a database outage onto `unavailable` (503, Retry-After); anything else passes through. */
export function mapDatabaseError(err: unknown): unknown {
  if (err instanceof KilnError || !isDatabaseUnavailable(err)) return err;
  return new KilnError('unavailable', 'Database is unavailable', { retryAfter: 2, cause: err });
}
