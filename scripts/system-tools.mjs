// The system tools Kiln's tests need where no npm package will do (DESIGN: Debian packages only
// there), found before any test starts so a missing one is one clear message, not a hundred failures.
//   ffmpeg, ffprobe   on PATH, or KILN_FFMPEG / KILN_FFPROBE (as the server finds them)
//   chromium          KILN_CHROMIUM, default /usr/bin/chromium (as test/browser finds it)
//   bwrap             on PATH (bubblewrap: the sandbox media tools run in; see docs/security.md)
// When one is missing and this runs as root on a machine with apt-get, scripts/install-system-deps.sh
// installs Debian's packages (set KILN_AUTO_INSTALL=0 to forbid it); otherwise the run stops at once.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'install-system-deps.sh');
export const INSTALL_COMMAND = 'sudo bash scripts/install-system-deps.sh';

/** Where Debian's packages put the tools, looked at after an install when PATH does not show them. */
const DEBIAN_BIN = '/usr/bin';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Each tool: the path found, or null; `package` is the Debian package that brings it. */
export function findSystemTools(env = process.env) {
  const explicit = (name) => {
    const v = env[name];
    return v && isAbsolute(v) ? (executable(v) ? v : null) : v ? onPath(v, env) : undefined;
  };
  const fromEnvOrPath = (envName, tool) => {
    const e = explicit(envName);
    return e === undefined ? onPath(tool, env) : e;
  };
  const chromium = env.KILN_CHROMIUM ?? join(DEBIAN_BIN, 'chromium');
  return [
    { name: 'ffmpeg', package: 'ffmpeg', path: fromEnvOrPath('KILN_FFMPEG', 'ffmpeg') },
    { name: 'ffprobe', package: 'ffmpeg', path: fromEnvOrPath('KILN_FFPROBE', 'ffprobe') },
    { name: 'chromium', package: 'chromium', path: executable(chromium) ? chromium : null },
    { name: 'bwrap', package: 'bubblewrap', path: onPath('bwrap', env) },
  ];
}

function canInstall(env) {
  if (env.KILN_AUTO_INSTALL === '0') return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return executable('/usr/bin/apt-get');
}

/**
 * Makes sure every tool is there. Returns the environment the tests should run with (PATH extended
 * with /usr/bin when the tools landed there but PATH did not show it), or throws an Error whose
 * message is the one thing to print: what is missing and the command that installs it.
 */
export function ensureSystemTools(env = process.env, log = console.log) {
  let missing = findSystemTools(env).filter((t) => !t.path);
  if (missing.length === 0) return env;
  const names = missing.map((t) => t.name).join(', ');
  if (!canInstall(env)) {
    throw new Error(
      `kiln tests: missing system tools: ${names}. Install them with:\n  ${INSTALL_COMMAND}\n` +
        '(Debian packages: ' +
        [...new Set(missing.map((t) => t.package))].join(' ') +
        '; or point KILN_FFMPEG, KILN_FFPROBE, KILN_CHROMIUM at your own builds)',
    );
  }
  log(`kiln tests: missing ${names}; installing Debian's packages (${INSTALL_SCRIPT})`);
  const packages = [...new Set(missing.map((t) => t.package))];
  const run = spawnSync(executable('/bin/bash') ? '/bin/bash' : 'bash', [INSTALL_SCRIPT, ...packages], {
    stdio: 'inherit',
    env,
  });
  if (run.status !== 0) {
    throw new Error(
      `kiln tests: installing ${packages.join(' ')} failed; run by hand:\n  ${INSTALL_COMMAND}`,
    );
  }
  let next = env;
  missing = findSystemTools(next).filter((t) => !t.path);
  if (
    missing.length > 0 &&
    missing.every((t) => t.name === 'chromium' || executable(join(DEBIAN_BIN, t.name)))
  ) {
    next = { ...env, PATH: [env.PATH, DEBIAN_BIN].filter(Boolean).join(delimiter) };
    missing = findSystemTools(next).filter((t) => !t.path);
  }
  if (missing.length > 0) {
    throw new Error(
      `kiln tests: still missing after the install: ${missing.map((t) => t.name).join(', ')}. Run:\n  ${INSTALL_COMMAND}`,
    );
  }
  return next;
}
