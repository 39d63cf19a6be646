import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { maintainUsage } from '../../../src/core/usage/usage-maintenance.js';
import { startKiln, type TestKiln } from '../../support/start-kiln.js';
import { assertUsage, driveUsageTraffic, getUsage, total } from '../../support/usage-traffic.js';

/**
 * Usage recorded in the core and read through GET /kiln/v1/usage: known traffic (uploads through
 * two ways in, deliveries of known sizes, transforms with hits and misses), then exact numbers
 * after a flush, by kind and asset, per hour and per day, after the rollup, and storage sampled.
 */
let kiln: TestKiln;
before(async () => {
  kiln = await startKiln();
});
after(async () => {
  await kiln?.close();
});

test('usage: known traffic comes back exactly, by kind and by asset, after a flush', async () => {
  const account = await kiln.createAccount();
  const other = await kiln.createAccount();
  const expected = await driveUsageTraffic([kiln.url], account);
  await kiln.server.runtime.usage.meter.flush();
  await assertUsage(kiln.url, account, expected);
  // Nothing leaks to another account.
  const none = await getUsage(kiln.url, other, '');
  for (const s of none.series) if (s.metric !== 'stored_bytes') assert.equal(s.total, 0, s.metric);
  // Per day, the same totals.
  const daily = await getUsage(
    kiln.url,
    account,
    'granularity=day&from=' + (Math.floor(Date.now() / 1000) - 86400),
  );
  assert.equal(daily.series[0].points.length, 2);
  assert.equal(total(daily, 'delivered_bytes'), expected.original.bytes + expected.variant.bytes);
  // Flushing twice adds nothing.
  await kiln.server.runtime.usage.meter.flush();
  await assertUsage(kiln.url, account, expected);
});

test('usage: stored bytes sampled by kind; hourly rows roll up into days with the same totals', async () => {
  const account = await kiln.createAccount();
  const expected = await driveUsageTraffic([kiln.url], account);
  const runtime = kiln.server.runtime;
  await runtime.usage.meter.flush();
  await maintainUsage(runtime.usage.repository, 24 * 14);
  const stored = await getUsage(kiln.url, account, 'metric=stored_bytes');
  assert.equal(total(stored, 'stored_bytes'), await runtime.assets.storedBytes(account.id));
  const image = await getUsage(kiln.url, account, 'metric=stored_bytes&kind=image');
  assert.equal(total(image, 'stored_bytes'), expected.uploadedBytes.uploadcare);

  // Roll everything up (retention 0 hours, two days from now): hours become days, totals stay.
  const { rolledUp } = await maintainUsage(runtime.usage.repository, 0, Date.now() + 2 * 86400_000);
  assert.ok(rolledUp > 0);
  const from = Math.floor(Date.now() / 1000) - 86400;
  const daily = await getUsage(kiln.url, account, `granularity=day&from=${from}`);
  assert.equal(total(daily, 'delivered_bytes'), expected.original.bytes + expected.variant.bytes);
  assert.equal(total(daily, 'transform_misses'), expected.transformMisses);
  const rows = await runtime.db
    .selectFrom('usage_counters')
    .select('granularity')
    .where('account_id', '=', account.id)
    .where('granularity', '=', 'hour')
    .where('metric', '!=', 'stored_bytes')
    .execute();
  assert.equal(rows.length, 0);
});

test('usage API: in the OpenAPI document; bad metrics and ranges are a 400 in Kiln’s envelope; token needed', async () => {
  const account = await kiln.createAccount();
  const doc = (await (await fetch(`${kiln.url}/openapi.json`)).json()) as any;
  const op = doc.paths['/kiln/v1/usage']?.get;
  assert.ok(op, 'GET /kiln/v1/usage is documented');
  assert.deepEqual(op.parameters.map((p: any) => p.name).sort(), [
    'asset',
    'from',
    'granularity',
    'kind',
    'metric',
    'to',
    'top',
  ]);
  assert.ok(op.responses['200'].content['application/json'].schema.properties.series);
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const bad = await fetch(`${kiln.url}/kiln/v1/usage?metric=nope`, { headers: auth });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.code, 'invalid_input');
  const backwards = await fetch(`${kiln.url}/kiln/v1/usage?from=2000&to=1000`, { headers: auth });
  assert.equal(backwards.status, 400);
  assert.equal((await fetch(`${kiln.url}/kiln/v1/usage`)).status, 401);
});
