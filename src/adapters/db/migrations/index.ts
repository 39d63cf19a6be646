import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-jobs-progress.js';
import * as m0003 from './0003-stream-signing-keys.js';
import * as m0020 from './0020-stream-watermarks.js';
import * as m0021 from './0021-stream-live-inputs.js';
import * as m0004 from './0004-uploadcare.js';

/**
 * Versioned migrations, applied in name order. Add a feature's migration as the next number and
 * list it here; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-jobs-progress': m0002,
  '0003-stream-signing-keys': m0003,
  '0020-stream-watermarks': m0020,
  '0021-stream-live-inputs': m0021,
  '0004-uploadcare': m0004,
};
