import { KilnError } from '../errors/kiln-error.js';
import { type TakeResult, TokenBucketLimiter } from './token-bucket.js';

export type RateLimitDecision = TakeResult;

/**
 * A per-minute limit per key (client IP, account) on the token bucket: `perMinute` tokens, refilled
 * continuously, one per request. In memory, per process: one node enforces exact limits; behind a
 * load balancer each node enforces its own share (see docs/deployment.md).
 */
export class RateLimiter {
  private readonly buckets: TokenBucketLimiter;

  constructor(
    readonly perMinute: number,
    maxKeys = 100_000,
    now: () => number = Date.now,
  ) {
    this.buckets = new TokenBucketLimiter(now, maxKeys);
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  take(key: string): RateLimitDecision {
    if (!this.enabled) return { allowed: true, retryAfterSeconds: 0, remaining: Number.POSITIVE_INFINITY };
    return this.buckets.take(key, this.perMinute / 60, this.perMinute);
  }

  /** take(), throwing `rate_limited` (429, Retry-After) when the bucket is empty. */
  consume(key: string, what: string): void {
    const decision = this.take(key);
    if (!decision.allowed) {
      throw new KilnError('rate_limited', `Too many requests for this ${what}; retry later`, {
        retryAfter: decision.retryAfterSeconds,
        details: { limit: this.perMinute, window: '1m' },
      });
    }
  }
}

/** The two limits of an API surface: per client IP (before authentication) and per account. */
export interface RateLimits {
  ip: RateLimiter;
  account: RateLimiter;
}

export function createRateLimits(config: {
  rateLimitIpPerMinute: number;
  rateLimitAccountPerMinute: number;
}): RateLimits {
  return {
    ip: new RateLimiter(config.rateLimitIpPerMinute),
    account: new RateLimiter(config.rateLimitAccountPerMinute),
  };
}
