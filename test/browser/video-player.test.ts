import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sampleMp4 } from '../support/media-samples.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { DESKTOP, launchChromium, screenshot, skipBrowser, watchErrors } from './browser-support.js';

let kiln: TestKiln;
let token: string;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: Browser;
const work = mkdtempSync(join(tmpdir(), 'kiln-dash-video-'));

before(async () => {
  if (skipBrowser) return;
  kiln = await startKiln();
  token = (await kiln.createAccount('dashboard-video')).apiToken;
  chromium = await launchChromium();
  browser = chromium.browser;
});
after(async () => {
  await chromium?.close();
  await kiln?.close();
  rmSync(work, { recursive: true, force: true });
});

async function signedIn(viewport: typeof DESKTOP): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${kiln.url}/dashboard/`);
  await page.fill('input[name=token]', token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#uploader .uppy-Dashboard');
  return { page, errors };
}

test('upload a video: it goes through Stream, reaches ready and plays in the player', {
  skip: skipBrowser,
}, async () => {
  const video = join(work, 'clip-9z.mp4');
  writeFileSync(video, await sampleMp4());
  const { page, errors } = await signedIn(DESKTOP);
  await page.setInputFiles('#uploader input[type=file]:not([webkitdirectory])', video);
  await page.click('.asset-card:has-text("clip-9z.mp4")', { timeout: 30_000 });
  await page.waitForSelector('#video-panel', { timeout: 30_000 });
  await screenshot(page, 'video-processing-desktop');
  await page.waitForSelector('#video-state:has-text("ready")', { timeout: 240_000 });
  // The player advances: hls.js plays the HLS ladder.
  await page.waitForSelector('.player-box video');
  await page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('.player-box video')!;
    v.muted = true;
    return v.play();
  });
  await page.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('.player-box video')?.currentTime ?? 0) > 0.5,
    undefined,
    {
      timeout: 30_000,
    },
  );
  await screenshot(page, 'video-desktop');
  assert.deepEqual(errors, []);
  await page.context().close();
});
