import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { launchChromium, skipBrowser, watchErrors } from './browser-support.js';

// The dashboard and the player page run under a strict CSP (issue 15 item 2): scripts from this
// origin only, no inline script. The player page boots from its JSON data block without a violation.
let kiln: TestKiln;
before(async () => {
  kiln = await startKiln();
});
after(() => kiln.close());

test('the dashboard and the player page send a CSP without inline script; the dashboard cannot be framed', async () => {
  for (const path of ['/dashboard/', '/dashboard/js/app.js', '/player?src=/x.m3u8']) {
    const csp = (await fetch(`${kiln.url}${path}`)).headers.get('content-security-policy') ?? '';
    const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.equal(script, "'self'", `${path}: ${csp}`);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /base-uri 'none'/);
  }
  const dashboard = (await fetch(`${kiln.url}/dashboard/`)).headers.get('content-security-policy');
  assert.match(String(dashboard), /frame-ancestors 'none'/);
});

test('the player page boots under its CSP with no violation', { skip: skipBrowser }, async () => {
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${kiln.url}/player?src=/stream/none/manifest/video.m3u8&title=t`);
    await page.waitForFunction(
      () => (window as unknown as { kilnPlayer?: unknown }).kilnPlayer !== undefined,
    );
    assert.equal(await page.locator('#player video').count(), 1);
    assert.deepEqual(
      errors.filter((e) => /CSP|Content Security Policy/i.test(e)),
      [],
    );
  } finally {
    await chromium.close();
  }
});
