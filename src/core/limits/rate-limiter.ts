import { KilnError } from '../errors/kiln-error.js';

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until one request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
  remaining: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A token bucket per key (client IP, account): `perMinute` tokens, refilled continuously, one per
 * request. In memory, per process: one node enforces exact limits; behind a load balancer each
 * node enforces its own share (see docs/deployment.md). The key table is bounded: when full, the
 * least recently used buckets (those of idle clients, already refilled or nearly) are dropped.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;

  constructor(
    readonly perMinute: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.ratePerMs = perMinute / 60_000;
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  take(key: string): RateLimitDecision {
    if (!this.enabled) return { allowed: true, retryAfterSeconds: 0, remaining: Number.POSITIVE_INFINITY };
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updated: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * this.ratePerMs);
    bucket.updated = now;
    // Re-insert: Map iteration order is insertion order, so the first keys are the least recent.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000)),
      remaining: 0,
    };
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
