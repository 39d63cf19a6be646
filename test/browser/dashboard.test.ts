import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
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
let browser: Browser;
const work = mkdtempSync(join(tmpdir(), 'kiln-dash-'));
// A real photo, under a name the search can find.
const photo = join(work, 'harbour-sunset-7q.jpg');

before(async () => {
  if (skipBrowser) return;
  copyFileSync(fixturePhotoPath('cups'), photo);
  h = await startDashboard('dashboard-test');
  ({ kiln, token, browser } = h);
});
after(async () => {
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

const signedIn = (viewport: typeof DESKTOP) => h.signedIn(viewport);

test('sign-in refuses a wrong token plainly, then accepts the right one', { skip: skipBrowser }, async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(`${kiln.url}/dashboard`);
  await page.waitForSelector('#sign-in');
  await screenshot(page, 'sign-in-desktop');
  await page.fill('input[name=token]', 'not-a-token');
  await page.click('#sign-in button[type=submit]');
  const error = await page.waitForSelector('#sign-in .error');
  assert.match((await error.textContent()) ?? '', /not valid.*401/);
  await page.fill('input[name=token]', token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#uploader .uppy-Dashboard');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('kiln.token')), token);
  await context.close();
});

test('upload an image, find it by search, open it, preview a transform, delete it', {
  skip: skipBrowser,
}, async () => {
  const { page, errors } = await signedIn(DESKTOP);
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', photo);
  const card = await page.waitForSelector('.asset-card:has-text("harbour-sunset-7q.jpg")', {
    timeout: 30_000,
  });
  await page.waitForSelector('.asset-card .thumb img');
  assert.ok(card);
  // A second file so the search has something to leave out.
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', {
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('some notes'),
  });
  await page.waitForSelector('.asset-card:has-text("notes.txt")', { timeout: 30_000 });
  assert.match((await page.textContent('#usage')) ?? '', /2 assets/);
  await screenshot(page, 'assets-desktop');

  await page.fill('input[name=search]', 'sunset-7q');
  await page.click('.filters button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('.asset-card').length === 1);
  assert.match(page.url(), /search=sunset-7q/);
  await page.selectOption('select[name=kind]', 'file');
  await page.waitForSelector('.empty');
  await page.selectOption('select[name=kind]', 'image');
  await page.click('.asset-card:has-text("harbour-sunset-7q.jpg")');

  await page.waitForSelector('h1.title:has-text("harbour-sunset-7q.jpg")');
  const facts = (await page.textContent('.facts')) ?? '';
  assert.match(facts, /image\/jpeg/);
  assert.match(facts, /image/);
  const link = await page.inputValue('.copy-row input');
  assert.ok(link.startsWith(`${kiln.url}/files/`), link);
  assert.equal((await fetch(link)).status, 200);
  // The live transform preview: result and its byte size.
  await page.waitForSelector('#transform-size');
  await page.fill('input[name=width]', '120');
  await page.fill('input[name=height]', '80');
  await page.selectOption('select[name=fit]', 'cover');
  await page.selectOption('select[name=format]', 'png');
  await page.waitForFunction(() =>
    /120 × 80 · image\/png · [\d.]+ KB/.test(document.querySelector('#transform-size')?.textContent ?? ''),
  );
  await screenshot(page, 'asset-desktop');

  await page.click('#delete');
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#uploader');
  const id = new URL(link).pathname.split('/')[2];
  const gone = await fetch(`${kiln.url}/kiln/v1/assets/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(gone.status, 404);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('API errors are shown as the API wrote them', { skip: skipBrowser }, async () => {
  const { page } = await signedIn(DESKTOP);
  await page.goto(`${kiln.url}/dashboard/#/assets/00000000-0000-4000-8000-000000000000`);
  const error = await page.waitForSelector('main .error');
  assert.match((await error.textContent()) ?? '', /not found.*404/i);
  await page.context().close();
});

test('the main pages at phone width: no horizontal overflow', { skip: skipBrowser }, async () => {
  const { page } = await signedIn(PHONE);
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', photo);
  await page.waitForSelector('.asset-card .thumb img', { timeout: 30_000 });
  // The elements wider than the screen, if any.
  const overflow = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => `${el.tagName}.${el.className}`)
        .slice(0, 5),
    );
  assert.deepEqual(await overflow(), [], 'assets page overflows');
  await screenshot(page, 'assets-phone');
  await page.click('.asset-card');
  await page.waitForSelector('#transform-size');
  assert.deepEqual(await overflow(), [], 'asset page overflows');
  await screenshot(page, 'asset-phone');
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in');
  await screenshot(page, 'sign-in-phone');
  await page.context().close();
});
