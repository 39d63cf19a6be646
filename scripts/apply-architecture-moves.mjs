#!/usr/bin/env node
// Rewrites relative imports that still name a moved file's old path, after a merge brought in
// code written before the moves (docs/architecture-moves.json: {"old path": "new path"}).
// Moves nothing: the files are already in their new places. Run at the repository root:
//   node scripts/apply-architecture-moves.mjs [mapping.json]
// Then delete the re-export shims left at old paths (the files that begin `/** Moved to`).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();
const file = process.argv[2] ?? 'docs/architecture-moves.json';
const mapping = JSON.parse(readFileSync(file, 'utf8'));
const map = new Map(Object.entries(mapping).map(([from, to]) => [resolve(root, from), resolve(root, to)]));

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const f = join(dir, e.name);
    if (e.isDirectory()) walk(f, out);
    else if (/\.(ts|mjs|js)$/.test(e.name)) out.push(f);
  }
  return out;
}

const SPEC = /((?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?|import\(\s*|vi\.mock\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;
const files = ['src', 'test', 'bench', 'scripts'].filter((d) => existsSync(d)).flatMap((d) => walk(resolve(root, d), []));
let changed = 0;
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const out = text.replace(SPEC, (all, pre, q, spec) => {
    const target = resolve(dirname(f), spec.replace(/\.js$/, '.ts'));
    const moved = map.get(target);
    if (!moved || moved === f) return all;
    let rel = relative(dirname(f), moved).split('\\').join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    if (spec.endsWith('.js')) rel = rel.replace(/\.ts$/, '.js');
    return `${pre}${q}${rel}${q}`;
  });
  if (out !== text) {
    writeFileSync(f, out);
    changed++;
    console.log(relative(root, f));
  }
}
console.log(`rewrote imports in ${changed} files; now delete the shims, then: npx biome check --write src test bench`);
