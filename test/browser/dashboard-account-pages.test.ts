import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../support/free-port.js';
import type { TestKiln } from '../support/start-kiln.js';
import { fixturePhotoPath } from '../support/test-images.js';
import {
  type DashboardHarness,
  DESKTOP,
  PHONE,
  screenshot,
  skipBrowser,
  startDashboard,
} from './browser-support.js';

let kiln: TestKiln;
let token: string;
let h: DashboardHarness;
const photo = fixturePhotoPath('cups');

before(async () => {
  if (skipBrowser) return;
  h = await startDashboard('dashboard-account-pages', {
    env: { KILN_RTMP_PORT: String(await freePort()), KILN_LIVE_PORTS: '2' },
  });
  ({ kiln, token } = h);
});
after(async () => {
  await h?.close();
});

const signedIn = (viewport: typeof DESKTOP) => h.signedIn(viewport);

/** Elements wider than the screen (none at phone width). */
const overflow = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => `${el.tagName}.${el.className}`)
      .slice(0, 5),
  );

async function confirmDelete(page: Page, button: string) {
  await page.click(button);
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
}

test('create a variant, upload a photo, see the variant rendered at its size; flexible switch; delete', {
  skip: skipBrowser,
}, async () => {
  const { page, errors } = await signedIn(DESKTOP);
  await page.click('#nav a[href="#/variants"]');
  await page.waitForSelector('.variant[data-id=public]');
  await page.fill('#variant-form input[name=id]', 'thumb200');
  await page.selectOption('#variant-form select[name=fit]', 'scale-down');
  await page.fill('#variant-form input[name=width]', '200');
  await page.fill('#variant-form input[name=height]', '200');
  await page.click('#variant-form button[type=submit]');
  await page.waitForSelector('.variant[data-id=thumb200]:has-text("200 × 200")');
  // A bad id is refused by the API, and the page says why.
  await page.fill('#variant-form input[name=id]', 'thumb200');
  await page.click('#variant-form button[type=submit]');
  assert.match(
    (await (await page.waitForSelector('main .error')).textContent()) ?? '',
    /already exists.*409/,
  );

  await page.check('input[name=flexible]');
  await page.waitForFunction(
    () => !(document.querySelector('input[name=flexible]') as HTMLInputElement).disabled,
  );
  const config = await fetch(`${kiln.url}/client/v4/accounts/${await accountId()}/images/v1/config`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json() as Promise<{ result: { flexible_variants: boolean } }>);
  assert.equal(config.result.flexible_variants, true);
  await screenshot(page, 'variants-desktop');

  // The dashboard uploads photos to Cloudflare Images, so the asset has delivery URLs per variant.
  await page.click('#nav a[href="#/"]');
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', photo);
  await page.waitForSelector('.asset-card .thumb img', { timeout: 30_000 });
  await page.click('.asset-card');
  const figure = '.variant-preview[data-variant=thumb200]';
  await page.waitForSelector(`${figure} img`);
  await page.waitForFunction(
    (sel) => (document.querySelector(`${sel} img`) as HTMLImageElement).complete,
    figure,
  );
  const size = await page.$eval(`${figure} img`, (img) => ({
    w: (img as HTMLImageElement).naturalWidth,
    h: (img as HTMLImageElement).naturalHeight,
  }));
  assert.equal(Math.max(size.w, size.h), 200, `thumb200 rendered ${size.w}x${size.h}`);
  const url = await page.inputValue(`${figure} .copy-row input`);
  assert.match(url, new RegExp(`^${kiln.url}/cdn/images/[^/]+/[^/]+/thumb200$`));
  assert.doesNotMatch((await page.textContent('#variants')) ?? '', /null|undefined/);
  // Every variant (including the full-size `public`) rendered before the screenshot.
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('.variant-preview img')].every(
      (i) => i.complete && i.naturalWidth > 0,
    ),
  );
  await screenshot(page, 'asset-variants-desktop');

  await page.click('#nav a[href="#/variants"]');
  await confirmDelete(page, '.variant[data-id=thumb200] button.danger');
  await page.waitForSelector('.variant[data-id=thumb200]', { state: 'detached' });
  assert.equal((await fetch(url)).status, 404);
  assert.deepEqual(errors, []);
  await page.context().close();
});

async function accountId(): Promise<string> {
  const res = await fetch(`${kiln.url}/kiln/v1/account`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { id: string }).id;
}

test('live inputs: create one, see its RTMP URL, stream key and SRT URL, delete it', {
  skip: skipBrowser,
}, async () => {
  const { page, errors } = await signedIn(DESKTOP);
  await page.click('#nav a[href="#/live"]');
  await page.waitForSelector('#live-list .empty');
  await page.fill('#live-form input[name=name]', 'Studio A');
  await page.click('#live-form button[type=submit]');
  const card = await page.waitForSelector('.live-input:has-text("Studio A")');
  const uid = await card.getAttribute('data-uid');
  const field = (label: string) => page.inputValue(`.live-input label:has-text("${label}") input`);
  assert.match(await field('RTMP URL'), /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/$/);
  const key = await field('Stream key');
  assert.ok(key.length >= 16, key);
  assert.match(
    await field('SRT URL'),
    new RegExp(`^srt://127\\.0\\.0\\.1:\\d+\\?streamid=${uid}&passphrase=`),
  );
  const api = await fetch(`${kiln.url}/client/v4/accounts/${await accountId()}/stream/live_inputs/${uid}`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json() as Promise<{ result: { rtmps: { streamKey: string } } }>);
  assert.equal(api.result.rtmps.streamKey, key);
  await screenshot(page, 'live-inputs-desktop');
  await confirmDelete(page, '.live-input button.danger');
  await page.waitForSelector('#live-list .empty');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('webhooks: set one (secret shown once), signing keys: create and delete', {
  skip: skipBrowser,
}, async () => {
  const { page, errors } = await signedIn(DESKTOP);
  await page.click('#nav a[href="#/webhooks"]');
  await page.waitForSelector('#webhook-current .empty');
  await page.fill('#webhook-form input[name=notificationUrl]', 'https://hooks.example.com/stream');
  await page.click('#webhook-form button[type=submit]');
  const secret = await (await page.waitForSelector('#webhook-secret input')).inputValue();
  assert.match(secret, /^[0-9a-f]{32}$/);
  await page.waitForSelector('#webhook-current:has-text("https://hooks.example.com/stream")');
  await screenshot(page, 'webhooks-desktop');
  // Reloaded, the page shows the URL but not the secret.
  await page.reload();
  await page.waitForSelector('#webhook-current:has-text("https://hooks.example.com/stream")');
  assert.equal(await page.$('#webhook-secret'), null);

  await page.click('#nav a[href="#/keys"]');
  await page.waitForSelector('#key-list');
  await page.fill('#key-form input[name=name]', 'mobile-app');
  await page.click('#key-form button[type=submit]');
  const value = await (await page.waitForSelector('.key[data-name=mobile-app] input')).inputValue();
  assert.ok(value.length >= 16, value);
  await screenshot(page, 'signing-keys-desktop');
  await confirmDelete(page, '.key[data-name=mobile-app] button.danger');
  await page.waitForSelector('.key[data-name=mobile-app]', { state: 'detached' });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the account pages at phone width: no horizontal overflow', { skip: skipBrowser }, async () => {
  const { page } = await signedIn(PHONE);
  const id = await accountId();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${kiln.url}/client/v4/accounts/${id}/stream/live_inputs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ meta: { name: 'Phone check' } }),
  });
  const put = await fetch(`${kiln.url}/client/v4/accounts/${id}/images/v1/keys/phone-key`, {
    method: 'PUT',
    headers: { authorization: headers.authorization },
  });
  assert.equal(put.status, 200);
  for (const [hash, name, ready] of [
    ['#/variants', 'variants', '.variant'],
    ['#/keys', 'signing-keys', '.key'],
    ['#/webhooks', 'webhooks', '#webhook-form'],
    ['#/live', 'live-inputs', '.live-input'],
  ] as const) {
    await page.goto(`${kiln.url}/dashboard/${hash}`);
    await page.waitForSelector(ready);
    assert.deepEqual(await overflow(page), [], `${name} overflows`);
    await screenshot(page, `${name}-phone`);
  }
  await page.goto(`${kiln.url}/dashboard/#/`);
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', photo);
  await page.waitForSelector('.asset-card .thumb img', { timeout: 30_000 });
  await page.click('.asset-card');
  await page.waitForSelector('.variant-preview img');
  assert.deepEqual(await overflow(page), [], 'asset page overflows');
  await screenshot(page, 'asset-variants-phone');
  await page.context().close();
});
