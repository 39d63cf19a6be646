import { type Locker, MemoryLocker } from '@tus/server';
import { AdvisoryLocks } from '../../adapters/db/advisory-locks.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { DatabaseLocker } from './database-locker.js';

/** Which lock a tus request takes, by its method (HEAD only reads). */
export type TusLockerFor = (req: Request) => Locker;

const lockers = new WeakMap<KilnRuntime, { lockerFor: TusLockerFor; close(): Promise<void> }>();

/**
 * The tus locker of a runtime, shared by every tus mount: on PostgreSQL the cross-node
 * DatabaseLocker (advisory locks on one dedicated connection); on SQLite, which is one process,
 * @tus/server's in-process MemoryLocker. HEAD takes only the in-process lock.
 */
export function tusLocker(runtime: KilnRuntime): TusLockerFor {
  return entry(runtime).lockerFor;
}

/** Closes the runtime's lock connection (the app's onClose). */
export async function closeTusLocker(runtime: KilnRuntime): Promise<void> {
  await lockers.get(runtime)?.close();
  lockers.delete(runtime);
}

function entry(runtime: KilnRuntime) {
  const existing = lockers.get(runtime);
  if (existing) return existing;
  const { database } = runtime;
  let made: { lockerFor: TusLockerFor; close(): Promise<void> };
  if (database.dialect === 'postgres' && database.url) {
    const locks = new AdvisoryLocks({ url: database.url, schema: database.schema });
    const locker = new DatabaseLocker(locks);
    made = {
      lockerFor: (req) => (req.method === 'HEAD' ? locker.local : locker),
      close: () => locks.close(),
    };
  } else {
    const locker = new MemoryLocker();
    made = { lockerFor: () => locker, close: async () => {} };
  }
  lockers.set(runtime, made);
  return made;
}
