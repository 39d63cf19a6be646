/**
 * Per-key request throttling: a token bucket per key (an account), refilled continuously at
 * `ratePerSecond` up to `burst`. In memory, so each API node throttles on its own: a soft limit
 * that protects a node, not a global quota. Idle buckets are forgotten.
 */
export interface TakeResult {
  allowed: boolean;
  /** Whole seconds until a token is available (Retry-After), when refused. */
  retryAfterSeconds: number;
  /** Whole tokens left after this take. */
  remaining: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    /** The key table is bounded: past it, the least recently used buckets (idle clients) are dropped. */
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, ratePerSecond: number, burst = ratePerSecond * 2): TakeResult {
    const now = this.now();
    const prev = this.buckets.get(key);
    const tokens = prev ? Math.min(burst, prev.tokens + ((now - prev.at) / 1000) * ratePerSecond) : burst;
    if (tokens >= 1) {
      this.set(key, { tokens: tokens - 1, at: now });
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(tokens - 1) };
    }
    this.set(key, { tokens, at: now });
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerSecond)),
      remaining: 0,
    };
  }

  private set(key: string, bucket: Bucket): void {
    // Re-insert: Map iteration order is insertion order, so the first keys are the least recent.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
