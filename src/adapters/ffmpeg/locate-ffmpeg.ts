import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { SETTINGS } from '../../config/config.js';
import { KilnError } from '../../core/errors/kiln-error.js';
import { runTool } from './run-tool.js';

/**
 * Where Kiln finds ffmpeg and ffprobe, in order:
 *   1. KILN_FFMPEG / KILN_FFPROBE (config ffmpegPath / ffprobePath): an explicit path always wins;
 *   2. the system's binaries on PATH (Debian's ffmpeg package: the one that works on every input);
 *   3. an npm static build (@ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe), only if installed.
 * Those static ffprobe builds are known to segfault on MPEG-TS input, hence the last place:
 * run-tool turns such a crash into a clear error rather than a hang.
 */
export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
  /** First line of `ffmpeg -version`, e.g. "ffmpeg version 5.1.9-0+deb12u1 ...". */
  version: string;
  source: { ffmpeg: ToolSource; ffprobe: ToolSource };
}

export type ToolSource = 'config' | 'path' | 'npm';

export interface LocateOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Search path; defaults to process.env.PATH. */
  pathEnv?: string;
  /** Fall back to the npm static builds when they are installed; default true. */
  npmFallback?: boolean;
}

const NPM_PACKAGES = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' } as const;

export async function locateFfmpeg(options: LocateOptions = {}): Promise<FfmpegTools> {
  const ffmpeg = await locateOne('ffmpeg', options.ffmpegPath, SETTINGS.ffmpegPath.env, options);
  const ffprobe = await locateOne('ffprobe', options.ffprobePath, SETTINGS.ffprobePath.env, options);
  const { stdout } = await runTool(ffmpeg.path, ['-hide_banner', '-version'], {
    name: 'ffmpeg',
    timeoutMs: 15_000,
  });
  const version = stdout.toString('utf8').split('\n')[0]?.trim() ?? '';
  return {
    ffmpeg: ffmpeg.path,
    ffprobe: ffprobe.path,
    version,
    source: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source },
  };
}

let cached: Promise<FfmpegTools> | undefined;

/** The tools for this process, from KILN_FFMPEG / KILN_FFPROBE and PATH; located once. */
export function defaultFfmpegTools(): Promise<FfmpegTools> {
  cached ??= locateFfmpeg({
    ffmpegPath: nonEmpty(process.env[SETTINGS.ffmpegPath.env]),
    ffprobePath: nonEmpty(process.env[SETTINGS.ffprobePath.env]),
  }).catch((err: unknown) => {
    cached = undefined; // let a later call retry (ffmpeg installed meanwhile)
    throw err;
  });
  return cached;
}

async function locateOne(
  tool: 'ffmpeg' | 'ffprobe',
  configured: string | undefined,
  envName: string,
  options: LocateOptions,
): Promise<{ path: string; source: ToolSource }> {
  const pathEnv = options.pathEnv ?? process.env.PATH ?? '';
  if (configured) {
    if (await isExecutableFile(configured)) return { path: configured, source: 'config' };
    // A bare name given in the variable is looked up on PATH.
    const found = isAbsolute(configured) ? undefined : await findOnPath(configured, pathEnv);
    if (found) return { path: found, source: 'config' };
    throw new KilnError('unavailable', `${envName}=${configured} is not an executable file`, {
      details: { setting: envName },
    });
  }
  const onPath = await findOnPath(tool, pathEnv);
  if (onPath) return { path: onPath, source: 'path' };
  const fromNpm = options.npmFallback === false ? undefined : await resolveNpmBuild(NPM_PACKAGES[tool]);
  if (fromNpm && (await isExecutableFile(fromNpm))) return { path: fromNpm, source: 'npm' };
  throw new KilnError('unavailable', `${tool} not found: install Debian's ffmpeg or set ${envName}`, {
    details: { tool },
  });
}

async function findOnPath(name: string, pathEnv: string): Promise<string | undefined> {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The installer packages export `{ path }`; they are optional and usually absent. */
async function resolveNpmBuild(pkg: string): Promise<string | undefined> {
  try {
    const mod = (await import(pkg)) as { path?: unknown; default?: { path?: unknown } };
    const path = mod.path ?? mod.default?.path;
    return typeof path === 'string' ? path : undefined;
  } catch {
    return undefined;
  }
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
