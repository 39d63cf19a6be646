import { KilnError } from '../errors/kiln-error.js';
import type { AuthFailureCounter } from './auth-failure-counter.js';

/** Blocks remembered in memory at most; past it the oldest are dropped (they are re-learnt on a failure). */
const MAX_BLOCKS = 100_000;

export interface FailedAuthLimits {
  /** Failed authentications per window per client IP; 0 = no limit. */
  perIp: number;
  /** Failed authentications per window per account named by the request; 0 = no limit. */
  perAccount: number;
  /** Length of the fixed window, in seconds (windows start at multiples of it since the epoch). */
  windowSeconds: number;
}

/** Who a request is, for counting: its client address and, when the request names one, the account. */
export interface AuthSubject {
  ip: string;
  accountId?: string;
}

/**
 * One limit on failed authentication for every dialect, counted in fixed windows (a minute by
 * default) in a store all nodes share (the database). A failure past the limit is answered 429 with Retry-After
 * (the end of the window) instead of the dialect's 401/403, and the key is blocked: later requests
 * of a blocked IP, or naming a blocked account, are refused before any credential is looked at.
 *
 * Blocks are remembered in this process only, so a request that succeeds costs one map lookup and
 * no database work; another node learns of a block at that client's next failure (its increment
 * returns a count past the limit). A client thus gets at most one extra attempt per node per window.
 */
export class FailedAuthLimiter {
  private readonly blockedUntil = new Map<string, number>();
  private lastPrune = 0;

  constructor(
    private readonly counter: AuthFailureCounter,
    readonly limits: FailedAuthLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits.perIp > 0 || this.limits.perAccount > 0;
  }

  /** Throws `rate_limited` when the subject is blocked in this process; no I/O. */
  check(subject: AuthSubject): void {
    for (const key of this.keys(subject)) {
      const until = this.blockedUntil.get(key.name);
      if (until === undefined) continue;
      const left = until - this.now();
      if (left > 0) throw this.refusal(left, key.limit);
      this.blockedUntil.delete(key.name);
    }
  }

  /**
   * Counts one failed authentication. Returns the error to answer with: `failure` itself, or
   * `rate_limited` once a key is past its limit. Rejects when the counter cannot be reached.
   */
  async fail(subject: AuthSubject, failure: KilnError): Promise<KilnError> {
    if (!this.enabled) return failure;
    const nowMs = this.now();
    const window = this.limits.windowSeconds;
    const windowStart = Math.floor(nowMs / 1000 / window) * window;
    const windowEnd = (windowStart + window) * 1000;
    let answer = failure;
    for (const key of this.keys(subject)) {
      const count = await this.counter.increment(key.name, windowStart);
      if (count > key.limit) {
        this.block(key.name, windowEnd);
        answer = this.refusal(windowEnd - nowMs, key.limit);
      }
    }
    if (nowMs - this.lastPrune > window * 1000) {
      this.lastPrune = nowMs;
      await this.counter.prune(windowStart);
    }
    return answer;
  }

  private keys(subject: AuthSubject): Array<{ name: string; limit: number }> {
    const keys: Array<{ name: string; limit: number }> = [];
    if (this.limits.perIp > 0) keys.push({ name: `ip:${subject.ip}`, limit: this.limits.perIp });
    if (this.limits.perAccount > 0 && subject.accountId) {
      keys.push({ name: `account:${subject.accountId}`, limit: this.limits.perAccount });
    }
    return keys;
  }

  private block(key: string, until: number): void {
    this.blockedUntil.delete(key);
    this.blockedUntil.set(key, until);
    if (this.blockedUntil.size > MAX_BLOCKS) this.blockedUntil.delete(this.blockedUntil.keys().next().value!);
  }

  private refusal(msLeft: number, limit: number): KilnError {
    return new KilnError('rate_limited', 'Too many failed authentication attempts; retry later', {
      retryAfter: Math.max(1, Math.ceil(msLeft / 1000)),
      details: { limit, window: `${this.limits.windowSeconds}s` },
    });
  }
}
