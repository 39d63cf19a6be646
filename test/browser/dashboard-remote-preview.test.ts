import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startLoopbackOrigin } from '../support/loopback-origin.js';
import { fixturePhoto } from '../support/test-images.js';
import { type DashboardHarness, DESKTOP, skipBrowser, startDashboard } from './browser-support.js';

let h: DashboardHarness;
let origin: Awaited<ReturnType<typeof startLoopbackOrigin>>;

before(async () => {
  if (skipBrowser) return;
  origin = await startLoopbackOrigin();
  origin.set('/img/remote.jpg', {
    body: await sharp(fixturePhoto('path')).resize(600).jpeg().toBuffer(),
    cacheControl: 'max-age=600',
  });
  h = await startDashboard('dashboard-remote', {
    env: { KILN_ALLOW_PRIVATE_FETCH: '1', KILN_IMAGE_SOURCES: `${origin.url}/img/` },
  });
});
after(async () => {
  await h?.close();
  await origin?.close();
});

test('the transform preview can try a remote URL when the allow-list permits it', {
  skip: skipBrowser,
}, async () => {
  const up = await fetch(`${h.kiln.url}/kiln/v1/assets?name=cups.jpg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'image/jpeg' },
    body: new Uint8Array(await sharp(fixturePhoto('cups')).resize(400).jpeg().toBuffer()),
  });
  const { id } = (await up.json()) as { id: string };
  const { page, errors } = await h.signedIn(DESKTOP);
  await page.goto(`${h.kiln.url}/dashboard/#/assets/${id}`);
  await page.waitForSelector('#transform-size');
  await page.waitForSelector('input[name=remote]', { state: 'visible' });
  await page.fill('input[name=remote]', `${origin.url}/img/remote.jpg`);
  await page.fill('input[name=width]', '150');
  await page.selectOption('select[name=format]', 'png');
  await page.waitForFunction(() =>
    /^150 × \d+ · image\/png/.test(document.querySelector('#transform-size')?.textContent ?? ''),
  );
  assert.equal(origin.hits('/img/remote.jpg'), 1);
  assert.deepEqual(errors, []);
  await page.context().close();
});
