import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { maintainUsage } from '../../src/core/usage/usage-maintenance.js';
import { driveUsageTraffic, type UsageExpectation } from '../support/usage-traffic.js';
import {
  type DashboardHarness,
  DESKTOP,
  PHONE,
  screenshot,
  skipBrowser,
  startDashboard,
} from './browser-support.js';

// The usage page in Chromium: known traffic (usage-traffic.ts), flushed, then the figures, the
// charts' totals and the top-assets table read from the DOM, uPlot's canvases drawn, no CSP violation.
let h: DashboardHarness;
let expected: UsageExpectation;

before(async () => {
  if (skipBrowser) return;
  h = await startDashboard('dashboard-usage');
  expected = await driveUsageTraffic([h.kiln.url], h.account);
  const runtime = h.kiln.server.runtime;
  await runtime.usage.meter.flush();
  await maintainUsage(runtime.usage.repository, 24 * 14);
});
after(async () => {
  await h?.close();
});

const chartTotals = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.usage-chart li[data-metric]')].map((li) => [
        (li as HTMLElement).dataset.metric,
        Number((li as HTMLElement).dataset.total),
      ]),
    ),
  );

test('the usage page charts the traffic with its exact numbers; top assets; no CSP violation', {
  skip: skipBrowser,
}, async () => {
  const { page, errors } = await h.signedIn(DESKTOP);
  assert.equal(await page.getAttribute('#nav a:first-child', 'href'), '#/usage');
  // The assets page (where sign-in lands) loads its thumbnails first: leave it once it has settled.
  await page.waitForLoadState('networkidle');
  await page.click('#nav a[href="#/usage"]');
  await page.waitForSelector('#chart-delivered-bytes canvas');
  const totals = await chartTotals(page);
  assert.equal(totals.delivered_bytes, expected.original.bytes + expected.variant.bytes);
  assert.equal(totals.delivered_requests, expected.original.requests + expected.variant.requests);
  assert.equal(totals.transform_hits, expected.transformHits);
  assert.equal(totals.transform_misses, expected.transformMisses);
  assert.ok(totals.stored_bytes >= expected.uploadedBytes.kiln + expected.uploadedBytes.uploadcare);
  const ratio = await page.getAttribute('.usage-figure[data-metric=hit_ratio]', 'data-value');
  assert.equal(Number(ratio), expected.transformHits / (expected.transformHits + expected.transformMisses));
  assert.equal(await page.textContent('.usage-figure[data-metric=hit_ratio] strong'), '33%');
  // Every chart drew: five uPlot canvases with a size, 24 hourly points each.
  const canvases = await page.evaluate(() =>
    [...document.querySelectorAll('.usage-chart canvas')].map((c) => (c as HTMLCanvasElement).width),
  );
  assert.equal(canvases.length, 5);
  for (const w of canvases) assert.ok(w > 200, `canvas width ${w}`);
  assert.equal(await page.getAttribute('#chart-delivered-bytes', 'data-points'), '24');
  const top = await page.evaluate(() =>
    [...document.querySelectorAll('#top-assets tbody tr')].map((tr) => [
      (tr as HTMLElement).dataset.asset,
      ...[...tr.querySelectorAll('td[data-value]')].map((td) => Number((td as HTMLElement).dataset.value)),
    ]),
  );
  assert.deepEqual(
    top,
    [
      [expected.kilnAssetId, expected.original.requests, expected.original.bytes, 0],
      [expected.uploadcareAssetId, expected.variant.requests, expected.variant.bytes, 0],
    ].sort((a, b) => (b[2] as number) - (a[2] as number)),
  );
  await screenshot(page, 'usage-desktop');
  await page.click('#usage-range a[href="#/usage?range=30d"]');
  await page.waitForSelector('#chart-delivered-bytes[data-points="30"] canvas');
  assert.equal((await chartTotals(page)).delivered_bytes, expected.original.bytes + expected.variant.bytes);
  assert.deepEqual(errors, []);
});

test('the usage page fits a phone screen', { skip: skipBrowser }, async () => {
  const { page, errors } = await h.signedIn(PHONE);
  await page.goto(`${h.kiln.url}/dashboard/#/usage`);
  await page.waitForSelector('#chart-storage canvas');
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => `${el.tagName}.${el.className}`)
      .slice(0, 5),
  );
  assert.deepEqual(wide, []);
  await screenshot(page, 'usage-phone');
  assert.deepEqual(errors, []);
});
