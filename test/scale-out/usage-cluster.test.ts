import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type KilnCluster, startKilnCluster } from '../support/kiln-cluster.js';
import { assertUsage, driveUsageTraffic, getUsage, total } from '../support/usage-traffic.js';
import { waitFor } from '../support/wait-for.js';

// Usage on two API processes and one PostgreSQL: each node counts in memory and flushes increments
// every second, so the account's numbers are the sum of both nodes' traffic, exactly; a node that
// stops (SIGTERM) flushes what it still holds on its way out.
let cluster: KilnCluster;
let account: AccountCredentials;

before(async () => {
  cluster = await startKilnCluster({ apis: 2, workers: 1, env: { KILN_USAGE_FLUSH_SECONDS: '1' } });
  account = await cluster.createAccount('usage');
});
after(() => cluster?.close());

async function eventually(check: () => Promise<void>, what: string) {
  let last: unknown;
  await waitFor(
    async () => {
      try {
        await check();
        return true;
      } catch (err) {
        last = err;
        return false;
      }
    },
    { what: `${what}: ${last}`, timeoutMs: 15_000, intervalMs: 250 },
  ).catch(() => {
    throw last;
  });
}

test('two API nodes add up: traffic split across both comes back exactly once flushed', async () => {
  const urls = cluster.apis.map((p) => p.url!);
  const expected = await driveUsageTraffic(urls, account);
  await eventually(() => assertUsage(urls[0]!, account, expected), 'usage of both nodes');
  // Both nodes answer the same numbers, and they stay put (no double counting on later flushes).
  await new Promise((r) => setTimeout(r, 1500));
  await assertUsage(urls[1]!, account, expected);
});

test('a node that is stopped flushes what it holds', async () => {
  const slow = await cluster.startProcess('api', { KILN_USAGE_FLUSH_SECONDS: '3600' });
  const before = total(await getUsage(cluster.apis[0]!.url!, account, 'metric=uploads'), 'uploads');
  const res = await fetch(`${slow.url}/kiln/v1/assets?name=late.bin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiToken}`, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(Buffer.alloc(777, 1)),
  });
  assert.equal(res.status, 201);
  await slow.kill('SIGTERM');
  const after = await getUsage(cluster.apis[0]!.url!, account, 'metric=uploads');
  assert.equal(total(after, 'uploads'), before + 1);
});
