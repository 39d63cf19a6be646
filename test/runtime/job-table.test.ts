/**
 * The job table: every job kind the code enqueues is declared exactly once, so a worker runs every
 * kind and logs each the same way.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { jobTable } from '../../src/runtime/job-handlers.js';
import { startKiln } from '../support/start-kiln.js';

test('every *_JOB kind in src is declared once in the job table', async () => {
  const root = join(import.meta.dirname, '..', '..');
  const declared = execFileSync('git', ['grep', '-hoE', "export const [A-Z_]+_JOB = '[^']+'", '--', 'src'], {
    cwd: root,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .map((line) => /'([^']+)'/.exec(line)![1]!)
    .sort();
  assert.ok(declared.length >= 15, `kinds found: ${declared.length}`);
  const kiln = await startKiln();
  try {
    const { table, periodic } = jobTable(kiln.server.runtime);
    const kinds = table.map((row) => row.kind).sort();
    assert.deepEqual(kinds, [...new Set(kinds)], 'no kind is declared twice');
    assert.deepEqual(kinds, declared);
    assert.ok(table.every((row) => row.concurrency >= 1));
    assert.equal(periodic.length, 3);
  } finally {
    await kiln.close();
  }
});
