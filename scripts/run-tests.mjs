#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs                 embedded backends: SQLite and the local disk
//   node scripts/run-tests.mjs --scale-out     PostgreSQL (KILN_TEST_DATABASE_URL) and an S3 protocol server
//   node scripts/run-tests.mjs test/foo        only the files under a path
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const scaleOut = args.includes('--scale-out');
const roots = args.filter((a) => !a.startsWith('--'));

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
const env = { ...process.env, KILN_LOG_LEVEL: process.env.KILN_LOG_LEVEL ?? 'silent' };
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
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
