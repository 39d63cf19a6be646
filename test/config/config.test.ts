import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';

test('defaults: port 8080, ./kiln-data, SQLite under the data dir, public URL from the port', () => {
  const c = loadConfig({}, {});
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, resolve('./kiln-data'));
  assert.equal(c.databaseUrl, `sqlite://${resolve('./kiln-data/kiln.db')}`);
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.role, 'all');
  assert.equal(c.embedded, true);
  assert.equal(c.allowPrivateFetch, false);
  assert.ok(Object.isFrozen(c));
});

test('flags win over environment variables', () => {
  const c = loadConfig({ port: '9001', data: '/tmp/x' }, { KILN_PORT: '9000', KILN_DATA_DIR: '/tmp/y' });
  assert.equal(c.port, 9001);
  assert.equal(c.dataDir, '/tmp/x');
  assert.equal(c.publicUrl, 'http://localhost:9001');
});

test('environment variables configure the scale-out backends', () => {
  const c = loadConfig(
    {},
    {
      KILN_DATABASE_URL: 'postgres://u@127.0.0.1/db',
      KILN_STORAGE_URL: 's3://bucket/prefix?endpoint=http://127.0.0.1:9000',
      KILN_PUBLIC_URL: 'https://media.example.com/',
      KILN_ALLOW_PRIVATE_FETCH: '1',
      KILN_ROLE: 'worker',
    },
  );
  assert.equal(c.embedded, false);
  assert.equal(c.publicUrl, 'https://media.example.com');
  assert.equal(c.allowPrivateFetch, true);
  assert.equal(c.role, 'worker');
});

test('an invalid value stops start-up with a message naming the variable', () => {
  assert.throws(
    () => loadConfig({}, { KILN_PORT: 'eighty' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /KILN_PORT/);
      assert.match(err.message, /--port/);
      return true;
    },
  );
  assert.throws(() => loadConfig({}, { KILN_PORT: '70000' }), /KILN_PORT/);
  assert.throws(() => loadConfig({}, { KILN_ROLE: 'boss' }), /KILN_ROLE/);
  assert.throws(() => loadConfig({}, { KILN_PUBLIC_URL: 'not a url' }), /KILN_PUBLIC_URL/);
  assert.throws(() => loadConfig({}, { KILN_DATABASE_URL: 'mysql://x' }), /KILN_DATABASE_URL/);
  assert.throws(() => loadConfig({}, { KILN_STORAGE_URL: 'gcs://x' }), /KILN_STORAGE_URL/);
  assert.throws(() => loadConfig({}, { KILN_ALLOW_PRIVATE_FETCH: 'maybe' }), /KILN_ALLOW_PRIVATE_FETCH/);
});

test('KILN_DELIVERY_URL: an origin (trailing slash dropped), unset by default; a path or another scheme is refused', () => {
  assert.equal(loadConfig({}, {}).deliveryUrl, undefined);
  assert.equal(
    loadConfig({}, { KILN_DELIVERY_URL: 'https://files.example.net/' }).deliveryUrl,
    'https://files.example.net',
  );
  for (const bad of ['https://files.example.net/media', 'ftp://files.example.net', 'files.example.net']) {
    assert.throws(() => loadConfig({}, { KILN_DELIVERY_URL: bad }), /KILN_DELIVERY_URL/);
  }
});
