import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { SETTINGS } from '../../config/config.js';

/**
 * The one place that decides how ffmpeg and ffprobe are confined. With bubblewrap, a tool sees a
 * private root holding only what the binary needs to run (read-only /usr, the /lib* links, the
 * dynamic loader's config and /etc/alternatives), a private /proc, /dev and /tmp, its declared
 * inputs read-only and its output or scratch directory read-write; nothing else of the host
 * (no data directory, no other job's scratch, no /etc/hostname). It gets new user-visible pid, ipc,
 * uts, cgroup and network namespaces (the network is shared only for live ingest, which listens
 * on a port), its own session (no terminal injection), and dies with Kiln.
 *
 * KILN_MEDIA_SANDBOX: `auto` (default) uses bubblewrap when it works here, else logs a loud
 * warning at start and runs the tools unconfined (the format and protocol allow-lists still apply);
 * `bwrap` requires it (start fails without it); `off` never uses it.
 */
export type SandboxMode = 'auto' | 'bwrap' | 'off';

export interface ToolAccess {
  /** Files or directories the tool reads (bound read-only at the same path). */
  read?: readonly string[];
  /** Directories the tool writes (bound read-write at the same path). */
  write?: readonly string[];
  /** Share the host's network (live ingest listens for RTMP/SRT publishers). Default false. */
  network?: boolean;
}

export type MediaSandbox = { kind: 'bwrap'; bwrap: string } | { kind: 'none'; reason: string };

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'];
/** Top-level paths the binaries and their loader need; links are recreated, directories bound read-only. */
const SYSTEM_PATHS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const SYSTEM_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'];
const NETWORK_FILES = ['/etc/hosts', '/etc/resolv.conf', '/etc/nsswitch.conf', '/etc/host.conf'];

/** The command line that runs `command args` confined to `access` (unchanged when there is no sandbox). */
export function sandboxedCommand(
  sandbox: MediaSandbox,
  command: string,
  args: readonly string[],
  access: ToolAccess,
  cwd?: string,
): { command: string; args: string[] } {
  if (sandbox.kind === 'none') return { command, args: [...args] };
  const out = ['--unshare-all', '--die-with-parent', '--new-session', '--as-pid-1'];
  if (access.network) out.push('--share-net');
  out.push('--ro-bind', '/usr', '/usr');
  for (const path of SYSTEM_PATHS) {
    const link = linkTarget(path);
    if (link !== undefined) out.push('--symlink', link, path);
    else if (isDirectory(path)) out.push('--ro-bind', path, path);
  }
  for (const path of [...SYSTEM_FILES, ...(access.network ? NETWORK_FILES : [])])
    out.push('--ro-bind-try', path, path);
  out.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // A binary outside /usr (KILN_FFMPEG, an npm static build) is bound on its own.
  const binary = resolve(command);
  if (!binary.startsWith('/usr/')) out.push('--ro-bind', binary, binary);
  // Parents before children, so a read-write scratch dir inside a read-only input dir stays writable.
  const binds = [
    ...(access.read ?? []).map((p) => ['--ro-bind', absolute(p)] as const),
    ...(access.write ?? []).map((p) => ['--bind', absolute(p)] as const),
  ].sort((a, b) => a[1].length - b[1].length);
  for (const [flag, path] of binds) out.push(flag, path, path);
  // The directories made to hold those binds are on the sandbox's own root: make it read-only too.
  out.push('--remount-ro', '/');
  if (cwd) out.push('--chdir', absolute(cwd));
  out.push('--', binary, ...args);
  return { command: sandbox.bwrap, args: out };
}

/**
 * Sends a signal to the tool itself rather than to bubblewrap (which does not forward signals):
 * with --as-pid-1 the tool is bubblewrap's only child. ffmpeg needs SIGTERM to close its outputs.
 */
export function signalTool(child: ChildProcess, sandboxed: boolean, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (sandboxed && signal !== 'SIGKILL' && child.pid !== undefined) {
    try {
      const inner = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      const pid = Number(inner[0]);
      if (pid > 0) {
        process.kill(pid, signal);
        return;
      }
    } catch {
      // not started yet or already gone: signal bubblewrap, which takes the tool with it
    }
  }
  child.kill(signal);
}

let cached: Promise<MediaSandbox> | undefined;

/**
 * The sandbox of this process: as set at start (useMediaSandbox, from the config), else resolved
 * once from KILN_MEDIA_SANDBOX (core code and tests that run without a server).
 */
export function mediaSandbox(): Promise<MediaSandbox> {
  cached ??= resolveMediaSandbox(sandboxModeFromEnv());
  return cached;
}

export function useMediaSandbox(sandbox: MediaSandbox): void {
  cached = Promise.resolve(sandbox);
}

export function sandboxModeFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxMode {
  const value = env[SETTINGS.mediaSandbox.env];
  return value === 'bwrap' || value === 'off' ? value : 'auto';
}

/** Finds bubblewrap and checks that it can build a sandbox here (containers may forbid namespaces). */
export async function resolveMediaSandbox(mode: SandboxMode): Promise<MediaSandbox> {
  if (mode === 'off') return { kind: 'none', reason: `${SETTINGS.mediaSandbox.env}=off` };
  const bwrap = BWRAP_CANDIDATES.find(isFile);
  const failure = bwrap
    ? await tryBwrap(bwrap)
    : 'bubblewrap (bwrap) is not installed: run scripts/install-system-deps.sh';
  if (failure === undefined) return { kind: 'bwrap', bwrap: bwrap! };
  if (mode === 'bwrap') throw new Error(`${SETTINGS.mediaSandbox.env}=bwrap but ${failure}`);
  return { kind: 'none', reason: failure };
}

function tryBwrap(bwrap: string): Promise<string | undefined> {
  const { command, args } = sandboxedCommand({ kind: 'bwrap', bwrap }, '/usr/bin/true', [], {});
  return new Promise((done) => {
    execFile(command, args, { timeout: 10_000 }, (err, _stdout, stderr) =>
      done(
        err ? `bubblewrap cannot create a sandbox here: ${String(stderr).trim() || err.message}` : undefined,
      ),
    );
  });
}

function linkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
