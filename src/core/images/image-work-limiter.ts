/**
 * Bounded concurrency with a bounded queue that fails fast (imagor's processing limiter): at most
 * `concurrency` jobs run, at most `queueSize` wait, and anything beyond is refused at once with
 * `unavailable` (503 + Retry-After) instead of piling up memory and latency.
 */
import { KilnError } from '../errors/kiln-error.js';

export class ImageWorkLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
  ) {
    if (concurrency < 1) throw new RangeError('concurrency must be at least 1');
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueSize) {
        throw new KilnError('unavailable', 'Image processing is at capacity, retry shortly', {
          retryAfter: 1,
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running--;
    }
  }
}
