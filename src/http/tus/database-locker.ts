import { setTimeout as sleep } from 'node:timers/promises';
import { type Lock, type Locker, MemoryLocker, type RequestRelease } from '@tus/server';
import type { AdvisoryLocks } from '../../adapters/db/advisory-locks.js';

/** The answer when another node holds the upload past the wait: tus-js-client retries a 423. */
export const UPLOAD_LOCKED = {
  status_code: 423,
  body: 'This upload is being written by another request; retry once it has finished\n',
};

export interface DatabaseLockerOptions {
  /** How long a request waits for another node's request on the same upload (default 5 s). */
  waitMs?: number;
  pollMs?: number;
}

/**
 * tus uploads locked across nodes: first in-process (@tus/server's MemoryLocker, where a newer
 * request asks the older one to let go, as tus recommends), then a PostgreSQL advisory lock named
 * after the upload, held for the request. A request that finds another node's lock waits up to
 * `waitMs`, then is refused with 423 Locked: two PATCHes of one upload never interleave.
 */
export class DatabaseLocker implements Locker {
  /** The in-process half alone, for requests that only read (HEAD): the offset is committed state. */
  readonly local = new MemoryLocker();

  constructor(
    private readonly locks: AdvisoryLocks,
    private readonly options: DatabaseLockerOptions = {},
  ) {}

  newLock(id: string): Lock {
    return new DatabaseLock(`tus:${id}`, this.local.newLock(id), this.locks, this.options);
  }
}

class DatabaseLock implements Lock {
  constructor(
    private readonly name: string,
    private readonly local: Lock,
    private readonly locks: AdvisoryLocks,
    private readonly options: DatabaseLockerOptions,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    await this.local.lock(signal, requestRelease);
    try {
      const deadline = Date.now() + (this.options.waitMs ?? 5_000);
      while (!(await this.locks.tryLock(this.name, () => void requestRelease()))) {
        if (signal.aborted || Date.now() >= deadline) throw UPLOAD_LOCKED;
        await sleep(this.options.pollMs ?? 100);
      }
    } catch (err) {
      await this.local.unlock();
      throw err;
    }
  }

  async unlock(): Promise<void> {
    try {
      await this.locks.unlock(this.name);
    } catch {
      // The session is gone, and its lock with it.
    } finally {
      await this.local.unlock();
    }
  }
}
