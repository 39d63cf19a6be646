#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs                 embedded backends: SQLite and the local disk
//   node scripts/run-tests.mjs --scale-out     PostgreSQL (KILN_TEST_DATABASE_URL) and an S3 protocol server
//   node scripts/run-tests.mjs test/foo        only the files under a path
//   node scripts/run-tests.mjs --preflight     only find (or install) the system tools, then exit
// Before any test: the system tools (ffmpeg, ffprobe, bubblewrap, Chromium) are found, installed
// from Debian's packages when running as root, or the run stops with one message (system-tools.mjs).
// test/scale-out/ (multi-process clusters on PostgreSQL + S3) runs only in the scale-out run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemTools } from './system-tools.mjs';

const args = process.argv.slice(2);
const scaleOut = args.includes('--scale-out');

let toolsEnv;
try {
  toolsEnv = ensureSystemTools(process.env);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
if (args.includes('--preflight')) {
  console.log('kiln tests: system tools present');
  process.exit(0);
}
const roots = args.filter((a) => !a.startsWith('--'));

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const SCALE_OUT_DIR = join('test', 'scale-out');
const all = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
const files = scaleOut ? all : all.filter((f) => !join(f).startsWith(SCALE_OUT_DIR));
if (files.length < all.length) {
  console.log(
    `kiln tests: skipping ${all.length - files.length} files under ${SCALE_OUT_DIR} (they run with --scale-out)`,
  );
} else if (scaleOut && files.some((f) => join(f).startsWith(SCALE_OUT_DIR))) {
  console.log(
    `kiln tests: including ${SCALE_OUT_DIR} (multi-process clusters; needs a fresh \`npm run build\`)`,
  );
}
if (files.length === 0) {
  console.log('kiln tests: nothing to run');
  process.exit(0);
}
const env = { ...toolsEnv, KILN_LOG_LEVEL: process.env.KILN_LOG_LEVEL ?? 'silent' };
if (scaleOut) {
  env.KILN_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  env.KILN_TEST_STORAGE = 's3';
} else {
  delete env.KILN_TEST_DATABASE_URL;
  env.KILN_TEST_STORAGE = 'fs';
}
console.log(`kiln tests: ${files.length} files on ${scaleOut ? 'PostgreSQL + S3' : 'SQLite + local disk'}`);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=300000',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
