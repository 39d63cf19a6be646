import { opendir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the entries (files or directories) directly under `dir` last modified before `olderThan`.
 * A missing directory holds nothing; an entry that vanishes meanwhile (its writer finished) is skipped.
 */
export async function removeStaleEntries(dir: string, olderThan: Date): Promise<number> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    const info = await stat(path).catch(() => null);
    if (!info || info.mtime >= olderThan) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
