/**
 * Admission of image work by cost, with a bounded queue that fails fast (imagor's processing limiter,
 * measured in memory instead of a count): a job carries its estimated cost in bytes, and jobs run
 * while their costs fit in the budget (and at most `concurrency` at once, for the CPU). So a burst of
 * big images runs a few at a time and small ones run many at a time: memory stays under the budget
 * whatever the mix. Waiters are served first come, first served (a big job at the head is never
 * starved by small ones behind it); beyond `queueSize` waiters the job is refused at once with
 * `unavailable` (503 + Retry-After), and a job that alone costs more than the whole budget is refused
 * with `limit_exceeded` before any work starts.
 */
import { KilnError } from '../errors/kiln-error.js';

interface Waiter {
  cost: number;
  admit: () => void;
}

export class ImageWorkLimiter {
  private running = 0;
  private admitted = 0;
  private readonly waiting: Waiter[] = [];
  /** Highest admitted cost seen at once (bytes), for /metrics and the admission tests. */
  peakAdmittedBytes = 0;
  /** Highest number of jobs running at once. */
  peakActive = 0;
  /** Jobs refused because they alone exceed the budget. */
  refusedTooCostly = 0;
  /** Jobs refused because the queue was full. */
  refusedBusy = 0;

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
    /** Memory budget in bytes (Infinity: admission by count only). */
    readonly budgetBytes: number = Number.POSITIVE_INFINITY,
  ) {
    if (concurrency < 1) throw new RangeError('concurrency must be at least 1');
    if (!(budgetBytes > 0)) throw new RangeError('budgetBytes must be positive');
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Estimated bytes held by the running jobs. */
  get admittedBytes(): number {
    return this.admitted;
  }

  async run<T>(job: () => Promise<T>, cost = 0): Promise<T> {
    if (cost > this.budgetBytes) {
      this.refusedTooCostly++;
      const mb = (n: number) => Math.ceil(n / 1024 ** 2);
      throw new KilnError(
        'limit_exceeded',
        `The image is too large to process: the transform needs about ${mb(cost)} MB, over the limit of ${mb(this.budgetBytes)} MB`,
        { details: { limit: this.budgetBytes, estimate: cost } },
      );
    }
    // Newcomers queue behind waiters even when they would fit, so the head is never starved.
    if (this.waiting.length === 0 && this.fits(cost)) this.admit(cost);
    else {
      if (this.waiting.length >= this.queueSize) {
        this.refusedBusy++;
        throw new KilnError('unavailable', 'Image processing is at capacity, retry shortly', {
          retryAfter: 1,
        });
      }
      await new Promise<void>((resolve) => this.waiting.push({ cost, admit: resolve }));
    }
    try {
      return await job();
    } finally {
      this.release(cost);
    }
  }

  private fits(cost: number): boolean {
    // An idle limiter takes any job within the budget.
    return (
      this.running === 0 || (this.running < this.concurrency && this.admitted + cost <= this.budgetBytes)
    );
  }

  private admit(cost: number): void {
    this.running++;
    this.admitted += cost;
    this.peakAdmittedBytes = Math.max(this.peakAdmittedBytes, this.admitted);
    this.peakActive = Math.max(this.peakActive, this.running);
  }

  private release(cost: number): void {
    this.running--;
    this.admitted -= cost;
    // Admit from the head in order, as many as now fit (admission happens here, so no newcomer jumps in).
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.cost)) {
      const next = this.waiting.shift()!;
      this.admit(next.cost);
      next.admit();
    }
  }
}
