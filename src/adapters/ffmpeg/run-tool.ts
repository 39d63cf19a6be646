import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { KilnError } from '../../core/errors/kiln-error.js';
import { mediaSandbox, sandboxedCommand, type ToolAccess } from './sandboxed-command.js';

/**
 * Runs an external tool (ffmpeg, ffprobe) to completion. Whatever the tool does (crash on a
 * signal, exit non-zero, hang, flood its output) the promise settles exactly once: with its stdout,
 * or with a KilnError that says why. The child is always SIGKILLed on timeout or abort, so nothing
 * is left running behind a settled promise.
 */
export interface RunToolOptions {
  /** Name used in error messages; defaults to the command's base name. */
  name?: string;
  /** Kill the tool (SIGKILL) after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
  /** Aborting kills the tool; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  cwd?: string;
  /**
   * Parse stdout as `-progress pipe:1` key=value lines instead of collecting it:
   * `onProgress(fraction, outSeconds)` gets out_time / durationSeconds clamped to 0..1 (and 1 at
   * `progress=end`), plus the media time reached so far in seconds.
   */
  progress?: { durationSeconds: number; onProgress: (fraction: number, outSeconds: number) => void };
  /** Largest stdout collected before the tool is killed as runaway. Default 64 MiB. */
  maxStdoutBytes?: number;
  /**
   * Run confined (sandboxed-command.ts) with access to these paths only. Every run on uploaded
   * bytes passes this; without it the tool runs as is (e.g. `ffmpeg -version`).
   */
  access?: ToolAccess;
}

export interface RunToolResult {
  stdout: Buffer;
  /** The last ~4 KB of stderr, for logs. */
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 4096;

export async function runTool(
  command: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<RunToolResult> {
  const name = options.name ?? command.split('/').pop() ?? command;
  if (!options.access) return spawnTool(name, command, [...args], options, false);
  const sandbox = await mediaSandbox();
  const confined = sandboxedCommand(sandbox, command, args, options.access, options.cwd);
  return spawnTool(name, confined.command, confined.args, options, sandbox.kind === 'bwrap');
}

function spawnTool(
  name: string,
  command: string,
  args: string[],
  options: RunToolOptions,
  sandboxed: boolean,
): Promise<RunToolResult> {
  const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;
  const { signal } = options;

  return new Promise<RunToolResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = Buffer.alloc(0);
    let failure: unknown;
    let settled = false;
    let progressBuffer = '';

    const kill = (reason: unknown) => {
      failure ??= reason;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              kill(
                new KilnError(
                  'processing_failed',
                  `${name} timed out after ${Math.round(options.timeoutMs! / 1000)} s`,
                  {
                    details: { tool: name, reason: 'timeout' },
                  },
                ),
              ),
            options.timeoutMs,
          );
    const onAbort = () => kill(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (error: unknown, result?: RunToolResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(result!);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (options.progress) {
        progressBuffer += chunk.toString('utf8');
        const lines = progressBuffer.split('\n');
        progressBuffer = lines.pop() ?? '';
        for (const line of lines) reportProgress(line.trim(), options.progress);
        return;
      }
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        kill(new KilnError('processing_failed', `${name} wrote more than ${maxStdout} bytes of output`));
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > STDERR_TAIL_BYTES)
        stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL_BYTES);
    });

    child.on('error', (err) => {
      // Spawn failures (ENOENT, EACCES): the tool never ran.
      finish(
        failure ??
          new KilnError('unavailable', `${name} could not be started (${command}): ${err.message}`, {
            details: { tool: name },
            cause: err,
          }),
      );
    });
    child.on('close', (code, closeSignal) => {
      const tail = stderrTail.toString('utf8');
      // bubblewrap exits 128+n when the tool dies of signal n (ffmpeg itself exits 0, 1 or 255).
      const sig = closeSignal ?? (sandboxed && code !== null ? signalOfExitCode(code) : null);
      if (failure !== undefined) return finish(failure);
      if (sig !== null) {
        return finish(
          new KilnError('processing_failed', `${name} crashed with signal ${sig}${describeSignal(sig)}`, {
            details: { tool: name, reason: 'crashed', signal: sig, stderrTail: tail },
          }),
        );
      }
      if (code !== 0) {
        const last = lastMeaningfulLine(tail);
        return finish(
          new KilnError('processing_failed', `${name} exited with code ${code}${last ? `: ${last}` : ''}`, {
            details: { tool: name, reason: 'exit_code', exitCode: code, stderrTail: tail },
          }),
        );
      }
      finish(undefined, { stdout: Buffer.concat(stdoutChunks), stderrTail: tail });
    });
  });
}

const lastOutSeconds = new WeakMap<object, number>();

function reportProgress(line: string, progress: NonNullable<RunToolOptions['progress']>): void {
  const eq = line.indexOf('=');
  if (eq < 0) return;
  const key = line.slice(0, eq);
  const value = line.slice(eq + 1);
  if (key === 'progress' && value === 'end') {
    progress.onProgress(1, lastOutSeconds.get(progress) ?? 0);
  } else if (key === 'out_time_us') {
    const us = Number(value);
    if (!Number.isFinite(us) || us < 0) return;
    lastOutSeconds.set(progress, us / 1e6);
    const fraction = progress.durationSeconds > 0 ? Math.min(1, us / 1e6 / progress.durationSeconds) : 0;
    progress.onProgress(fraction, us / 1e6);
  }
}

function signalOfExitCode(code: number): NodeJS.Signals | null {
  if (code <= 128 || code >= 160) return null;
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === code - 128);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function describeSignal(sig: NodeJS.Signals): string {
  const n = (osConstants.signals as Record<string, number>)[sig];
  return n === undefined ? '' : ` (${n})`;
}

/** ffmpeg ends its stderr with the line that matters; skip blank lines and bare banners. */
export function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return (lines.pop() ?? '').slice(0, 300);
}
