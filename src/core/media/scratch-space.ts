import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where every job's local scratch work happens (downloaded originals, ffmpeg output, copies for
 * ffprobe and sharp): one directory per job under `<data dir>/tmp/scratch`, the one place that
 * creates them. The media sandbox shows a tool only its own job's directory, never its neighbours.
 *
 * A directory's name carries its owner (`<prefix>-<host>-<pid>-XXXXXX`), so a sweep can tell the
 * leftovers of a killed process from the work of a running one without touching either's files:
 * at start and with every orphan sweep, Kiln removes the directories of processes on this host
 * that are gone, those of an earlier life of its own pid, and those of other hosts (a shared
 * volume) or unknown owners once they are older than the sweep's age bound.
 */
let root = join(tmpdir(), 'kiln-scratch');
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9.]/g, '_')
    .slice(0, 64) || 'host';
/** Directories this process made and may still be using. */
const mine = new Set<string>();

/** Called once at start (kiln-runtime): `<dataDir>/tmp/scratch`. Until then, the OS temp dir. */
export function useScratchRoot(dir: string): void {
  root = dir;
}

export function scratchRoot(): string {
  return root;
}

/**
 * A new, empty directory for one job's scratch work; the caller removes it when done. With
 * `parent` (a directory inside a job's own scratch directory) it is made there instead.
 */
export async function makeScratchDir(prefix: string, parent?: string): Promise<string> {
  if (parent !== undefined) return mkdtemp(join(parent, `${prefix}-`));
  await mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(root, `${prefix}-${HOST}-${process.pid}-`));
  mine.add(dir);
  return dir;
}

export interface SweepOptions {
  /** Directories of other hosts or of unknown owners are removed once older than this. */
  olderThan?: Date;
}

/** Removes the scratch directories that no live process owns; returns how many. */
export async function sweepScratch(options: SweepOptions = {}): Promise<number> {
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const dir = join(root, name);
    if (mine.has(dir)) continue;
    if (!(await isOrphan(name, dir, options.olderThan))) continue;
    await rm(dir, { recursive: true, force: true });
    removed++;
  }
  for (const dir of mine) if (!(await exists(dir))) mine.delete(dir);
  return removed;
}

async function isOrphan(name: string, dir: string, olderThan: Date | undefined): Promise<boolean> {
  const owner = /-([A-Za-z0-9._]+)-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  if (owner && owner[1] === HOST) {
    const pid = Number(owner[2]);
    // Our own pid but not made by us: an earlier process that had the same pid (a container restart).
    return pid === process.pid || !isAlive(pid);
  }
  if (!olderThan) return false;
  const info = await stat(dir).catch(() => null);
  return info !== null && info.mtime < olderThan;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}
