/**
 * The import graph of src/, read from the TypeScript sources: every `import … from`, `export … from`,
 * `import type` and dynamic `import('…')` with a string literal. Written here rather than taken from
 * madge or dependency-cruiser because both parse TypeScript through the `typescript` package's
 * compiler API, which the native TypeScript 7 compiler this project builds with does not ship.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface SourceFile {
  /** Path relative to the repository root, with forward slashes: `src/core/assets/asset.ts`. */
  path: string;
  text: string;
  /** Bare package names (`fastify`, `@tus/server`) this file imports. */
  packages: string[];
  /** Repository-relative paths of the local files this file imports. */
  locals: string[];
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function readImportGraph(root: string, folder = 'src'): Map<string, SourceFile> {
  const files = new Map<string, SourceFile>();
  for (const full of walk(join(root, folder), [])) {
    const path = relative(root, full).split('\\').join('/');
    const text = readFileSync(full, 'utf8');
    const packages: string[] = [];
    const locals: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(full), spec);
        // TypeScript imports name the emitted `.js`; the file on disk is the `.ts` beside it.
        const source =
          target.endsWith('.js') && !existsSync(target) ? target.replace(/\.js$/, '.ts') : target;
        locals.push(relative(root, source).split('\\').join('/'));
      } else if (!spec.startsWith('node:')) {
        packages.push(packageName(spec));
      }
    }
    files.set(path, { path, text, packages, locals });
  }
  return files;
}

/** Every elementary circle, each once, as the list of files around it (Tarjan's SCCs, then one cycle per SCC). */
export function findCircles(files: Map<string, SourceFile>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const sccs: string[][] = [];
  let counter = 0;
  const strongConnect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of files.get(v)?.locals ?? []) {
      if (!files.has(w)) continue;
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = files.get(v)?.locals.includes(v);
      if (scc.length > 1 || selfLoop) sccs.push(scc.sort());
    }
  };
  for (const v of [...files.keys()].sort()) if (!index.has(v)) strongConnect(v);
  return sccs;
}
