import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnProcess, kilnCli, spawnKiln } from '../support/kiln-cluster.js';

// A real `kiln serve` at log level debug (request logging on): after authenticated, refused and
// failing requests, none of the account's secrets nor the master key appears in its output.
let node: KilnProcess;
let dataDir: string;
let creds: AccountCredentials;
const masterKey = randomBytes(32).toString('hex');

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiln-logs-'));
  const env = { KILN_DATA_DIR: dataDir, KILN_MASTER_KEY: masterKey, KILN_LOG_LEVEL: 'debug' };
  creds = JSON.parse(await kilnCli(['accounts', 'create', '--name', 'logged', '--json'], env));
  node = await spawnKiln('api', 'all', env, dataDir);
});
after(async () => {
  await node?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

test('secrets never reach the log, even at debug', async () => {
  const base = node.url!;
  const auth = { authorization: `Bearer ${creds.apiToken}` };
  const up = await fetch(`${base}/kiln/v1/assets?name=a.bin`, {
    method: 'POST',
    headers: auth,
    body: 'hello',
  });
  assert.equal(up.status, 201);
  const asset = (await up.json()) as { id: string; url: string };
  await fetch(`${base}/kiln/v1/assets`, { headers: auth });
  await fetch(`${base}/kiln/v1/assets/${asset.id}`, { headers: auth });
  await fetch(asset.url);
  // Credentials sent where they do not belong, and in the wrong places of a request.
  await fetch(`${base}/kiln/v1/assets?token=${creds.apiToken}`, {
    headers: { authorization: `Bearer ${creds.uploadcare.secretKey}` },
  });
  await fetch(`${base}/kiln/v1/assets`, {
    headers: {
      authorization: `Bearer ${creds.stream.apiSecret}`,
      'x-auth-key': creds.apiToken,
      cookie: `s=${creds.apiToken}`,
    },
  });
  await fetch(`${base}/kiln/v1/assets/${asset.id}`, { method: 'DELETE', headers: auth });
  await new Promise((r) => setTimeout(r, 300));

  const output = node.output();
  assert.match(output, /"msg":"incoming request"/, 'request logging is on at debug');
  const secrets: Record<string, string> = {
    apiToken: creds.apiToken,
    uploadcareSecret: creds.uploadcare.secretKey,
    streamSecret: creds.stream.apiSecret,
    masterKey,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(!output.includes(secret), `${name} appears in the log`);
  }
});
