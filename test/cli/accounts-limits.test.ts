import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'kiln.js');
const dataDir = mkdtempSync(join(tmpdir(), 'kiln-cli-limits-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function kiln(args: string[]) {
  return run(process.execPath, [bin, ...args], { env: { ...process.env, KILN_DATA_DIR: dataDir } });
}

test('kiln accounts create takes limit flags (the contract fields unchanged) and update changes them', async () => {
  const created = JSON.parse(
    (
      await kiln([
        'accounts',
        'create',
        '--name',
        'limited',
        '--max-files',
        '5',
        '--max-file-size',
        '10m',
        '--json',
      ])
    ).stdout,
  );
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(typeof created.apiToken, 'string');
  assert.deepEqual(created.limits, { maxFileSize: 10 * 1024 ** 2, maxFiles: 5, maxStorageBytes: null });

  const updated = JSON.parse(
    (
      await kiln([
        'accounts',
        'update',
        created.id,
        '--max-files',
        'none',
        '--max-storage-bytes',
        '1g',
        '--json',
      ])
    ).stdout,
  );
  assert.deepEqual(updated, {
    id: created.id,
    name: 'limited',
    limits: { maxFileSize: 10 * 1024 ** 2, maxFiles: null, maxStorageBytes: 1024 ** 3 },
  });

  const plain = JSON.parse((await kiln(['accounts', 'create', '--name', 'plain', '--json'])).stdout);
  assert.equal(plain.limits, undefined);
  await assert.rejects(
    kiln(['accounts', 'update', created.id, '--max-files', '2k']),
    (err: { stderr: string }) => /maxFiles/.test(err.stderr),
  );
  await assert.rejects(
    kiln(['accounts', 'update', '0'.repeat(32), '--max-files', '2']),
    (err: { stderr: string }) => /not found/i.test(err.stderr),
  );
});
