import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// Per account 3 a minute, per IP 8: the account limit trips first for one busy account; the other
// account still gets through until the address as a whole runs out.
let kiln: TestKiln;
let busy: AccountCredentials;
let quiet: AccountCredentials;

before(async () => {
  kiln = await startKiln({
    env: { KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '3', KILN_RATE_LIMIT_IP_PER_MINUTE: '8' },
  });
  busy = await kiln.createAccount('busy');
  quiet = await kiln.createAccount('quiet');
});
after(() => kiln.close());

const get = (who?: AccountCredentials) =>
  fetch(`${kiln.url}/kiln/v1/assets`, { headers: who ? { authorization: `Bearer ${who.apiToken}` } : {} });

test("per-account and per-IP token buckets answer 429 with Retry-After in Kiln's envelope", async () => {
  for (let i = 0; i < 3; i++) assert.equal((await get(busy)).status, 200);
  const limited = await get(busy);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');

  assert.equal((await get(quiet)).status, 200);
  // 5 requests from this address so far; unauthenticated guesses count against the address too.
  for (let i = 0; i < 3; i++) assert.equal((await get()).status, 401);
  const blocked = await get(quiet);
  assert.equal(blocked.status, 429);
  assert.match(((await blocked.json()) as { error: { message: string } }).error.message, /client address/);
  // Delivery links are not rate-limited by Kiln (a CDN in front absorbs them).
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});
