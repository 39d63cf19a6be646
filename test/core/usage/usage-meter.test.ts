import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageMeter } from '../../../src/core/usage/usage-meter.js';
import type { UsageIncrement, UsageRepository } from '../../../src/core/usage/usage-repository.js';

/** A repository that records the batches it is given, or fails while `failing` is set. */
function fakeRepository() {
  const batches: UsageIncrement[][] = [];
  const repo = {
    failing: false,
    batches,
    async addHourly(rows: UsageIncrement[]) {
      if (repo.failing) throw new Error('database down');
      batches.push(rows.map((r) => ({ ...r })));
    },
  };
  return repo;
}

const HOUR = 3600_000;

test('counts are summed per hour, account, metric, kind and asset, and flushed once', async () => {
  const repo = fakeRepository();
  let now = 10 * HOUR + 5;
  const meter = new UsageMeter(repo as unknown as UsageRepository, () => now);
  meter.delivered({ accountId: 'a', assetId: 'x', kind: 'segment', segmentSeconds: 2 }, 100);
  meter.delivered({ accountId: 'a', assetId: 'x', kind: 'segment', segmentSeconds: 2 }, 50);
  meter.delivered({ accountId: 'a', assetId: 'x', kind: 'segment', segmentSeconds: 2 }, 0); // HEAD: no minutes
  meter.add('a', 'uploads', 1, { kind: 'kiln' });
  now += HOUR;
  meter.add('a', 'uploads', 1, { kind: 'kiln' });
  meter.add('', 'uploads', 1); // no account: ignored
  await meter.flush();
  await meter.flush(); // nothing pending: no second batch
  assert.equal(repo.batches.length, 1);
  const rows = Object.fromEntries(
    repo.batches[0]!.map((r) => [`${r.periodStart}/${r.metric}/${r.kind}/${r.assetId}`, r.value]),
  );
  assert.deepEqual(rows, {
    '36000/delivered_requests/segment/x': 3,
    '36000/delivered_bytes/segment/x': 150,
    '36000/minutes_viewed//x': 4 / 60,
    '36000/uploads/kiln/': 1,
    '39600/uploads/kiln/': 1,
  });
});

test('a failed flush keeps its counts for the next one, added to what came meanwhile', async () => {
  const repo = fakeRepository();
  const meter = new UsageMeter(repo as unknown as UsageRepository, () => 0);
  meter.add('a', 'uploads', 2);
  repo.failing = true;
  await assert.rejects(meter.flush(), /database down/);
  meter.add('a', 'uploads', 3);
  repo.failing = false;
  await meter.flush();
  assert.deepEqual(
    repo.batches.map((b) => b.map((r) => r.value)),
    [[5]],
  );
});
