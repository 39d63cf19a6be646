import type { TokenBucketLimiter } from '../../../core/limits/token-bucket.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';

/** What every Uploadcare route needs: the runtime and the per-account request budget. */
export interface UcContext {
  runtime: KilnRuntime;
  limiter: TokenBucketLimiter;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Absolute URL on the public base. */
export function publicUrl(ctx: UcContext, path: string): string {
  return `${ctx.runtime.config.publicUrl}${path}`;
}
