/**
 * The idle wait of a polling loop that can be cut short: wake() ends the current wait, or the next
 * one if none is in progress (so a wake-up that arrives during a poll is not lost).
 */
export class PollTimer {
  private wakeRequested = false;
  private endWait: (() => void) | null = null;

  constructor(private readonly intervalMs: number) {}

  /** Waits for the interval, or less when wake() is called (even just before). */
  wait(): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => end(), this.intervalMs);
      const end = () => {
        clearTimeout(timer);
        this.endWait = null;
        this.wakeRequested = false;
        resolve();
      };
      this.endWait = end;
    });
  }

  wake(): void {
    if (this.endWait) this.endWait();
    else this.wakeRequested = true;
  }
}

/** True when every promise settled within `ms`. */
export async function settlesWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const all = Promise.allSettled(promises).then(() => true as const);
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
