import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/config.js';
import { loadOrCreateMasterKey } from '../../../src/core/signing/master-key.js';

describe('loadOrCreateMasterKey', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-test-key-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('creates <dataDir>/master.key once, mode 0600, and reuses it', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const first = await loadOrCreateMasterKey({ dataDir });
    assert.equal(first.length, 32);
    const file = join(dataDir, 'master.key');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await readFile(file, 'utf8')).trim(), first.toString('hex'));
    const second = await loadOrCreateMasterKey({ dataDir });
    assert.ok(second.equals(first));
    assert.deepEqual(await readdir(dataDir), ['master.key'], 'no temp file left');
  });

  it('processes racing to create the key all end up with the same one', async () => {
    const dataDir = await tempDir();
    const script = `
      import { loadOrCreateMasterKey } from ${JSON.stringify(new URL('../../../src/core/signing/master-key.ts', import.meta.url).href)};
      const key = await loadOrCreateMasterKey({ dataDir: process.argv[2] });
      process.send(key.toString('hex'));`;
    const scriptFile = join(dataDir, '..', `race-${randomBytes(4).toString('hex')}.mts`);
    await writeFile(scriptFile, script);
    try {
      const keys = await Promise.all(
        Array.from({ length: 6 }, () => {
          const child = fork(scriptFile, [dataDir], { execArgv: ['--import', 'tsx'] });
          return new Promise<string>((resolve, reject) => {
            child.once('message', (m) => resolve(String(m)));
            child.once('error', reject);
            child.once('exit', (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
          });
        }),
      );
      assert.equal(new Set(keys).size, 1, `different keys: ${keys.join(', ')}`);
      assert.equal((await readFile(join(dataDir, 'master.key'), 'utf8')).trim(), keys[0]);
      assert.deepEqual(await readdir(dataDir), ['master.key']);
    } finally {
      await rm(scriptFile, { force: true });
    }
  });

  it('uses KILN_MASTER_KEY, hex or base64, and writes no file', async () => {
    const dataDir = await tempDir();
    const raw = randomBytes(32);
    assert.ok((await loadOrCreateMasterKey({ masterKey: raw.toString('hex'), dataDir })).equals(raw));
    assert.ok((await loadOrCreateMasterKey({ masterKey: raw.toString('base64'), dataDir })).equals(raw));
    assert.ok((await loadOrCreateMasterKey({ masterKey: raw.toString('base64url'), dataDir })).equals(raw));
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('rejects a KILN_MASTER_KEY of the wrong length with a clear error', async () => {
    const dataDir = await tempDir();
    for (const bad of [randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'not a key!']) {
      await assert.rejects(loadOrCreateMasterKey({ masterKey: bad, dataDir }), (err) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /KILN_MASTER_KEY: must be 32 bytes/);
        return true;
      });
    }
  });

  it('refuses a corrupt key file rather than replacing it', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'master.key'), 'garbage\n');
    await assert.rejects(loadOrCreateMasterKey({ dataDir }), /not a valid master key/);
    assert.equal(await readFile(join(dataDir, 'master.key'), 'utf8'), 'garbage\n');
  });
});
