import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-jobs-progress.js';
import * as m0003 from './0003-stream-signing-keys.js';
import * as m0004 from './0004-uploadcare.js';
import * as m0005 from './0005-cloudflare-images.js';
import * as m0006 from './0006-stream-watermarks.js';
import * as m0007 from './0007-stream-live-inputs.js';
import * as m0008 from './0008-variant-last-used.js';
import * as m0009 from './0009-auth-failures.js';
import * as m0010 from './0010-imgproxy-keys-image-sources.js';
import * as m0011 from './0011-uploadcare-rest.js';
import * as m0012 from './0012-live-broadcasts.js';
import * as m0013 from './0013-usage-counters.js';

/**
 * Versioned migrations, applied in name order. Add a feature's migration as the next number and
 * list it here; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-jobs-progress': m0002,
  '0003-stream-signing-keys': m0003,
  '0004-uploadcare': m0004,
  '0005-cloudflare-images': m0005,
  '0006-stream-watermarks': m0006,
  '0007-stream-live-inputs': m0007,
  '0008-variant-last-used': m0008,
  '0009-auth-failures': m0009,
  '0010-imgproxy-keys-image-sources': m0010,
  '0011-uploadcare-rest': m0011,
  '0012-live-broadcasts': m0012,
  '0013-usage-counters': m0013,
};
