import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sampleMp4 } from '../support/media-samples.js';
import {
  type DashboardHarness,
  DESKTOP,
  screenshot,
  skipBrowser,
  startDashboard,
} from './browser-support.js';

let h: DashboardHarness;
const work = mkdtempSync(join(tmpdir(), 'kiln-dash-video-'));

before(async () => {
  if (skipBrowser) return;
  h = await startDashboard('dashboard-video');
});
after(async () => {
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

const signedIn = (viewport: typeof DESKTOP) => h.signedIn(viewport);

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
  // Minutes viewed on the video's page: the video segments hls.js fetched, 2 s each (as Cloudflare
  // estimates them), once flushed.
  await h.kiln.server.runtime.usage.meter.flush();
  await page.reload();
  await page.waitForSelector('#minutes-viewed[data-value]');
  const minutes = Number(await page.getAttribute('#minutes-viewed', 'data-value'));
  assert.ok(minutes > 0, String(minutes));
  assert.ok(
    Math.abs(minutes * 30 - Math.round(minutes * 30)) < 1e-4,
    `${minutes} is not a count of 2 s segments`,
  );
  assert.match((await page.textContent('#minutes-viewed')) ?? '', /^Minutes viewed \(last 30 days\): /);
  assert.deepEqual(errors, []);
  await page.context().close();
});
