import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { type StartKilnOptions, startKiln, type TestKiln } from '../support/start-kiln.js';

export const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
/** Why browser tests skip, or null when Chromium is there (CI: scripts/install-system-deps.sh). */
export const skipBrowser = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install it (scripts/install-system-deps.sh) or set KILN_CHROMIUM`;

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Debian's Chromium, headless; Playwright gives launch() a fresh temporary profile of its own. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Collects page errors and Content-Security-Policy violations so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  void page.exposeFunction('kilnCspViolation', (text: string) => errors.push(`CSP violation: ${text}`));
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { kilnCspViolation(t: string): void }).kilnCspViolation;
      report(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

/** A Kiln with one account and a headless Chromium: what every dashboard test file starts from. */
export interface DashboardHarness {
  kiln: TestKiln;
  token: string;
  /** The signed-in account's credentials (for driving traffic through the dialects). */
  account: AccountCredentials;
  browser: Browser;
  /** A new page at the viewport, signed in to the dashboard, with its errors collected. */
  signedIn(viewport: typeof DESKTOP): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function startDashboard(
  accountName: string,
  options?: StartKilnOptions,
): Promise<DashboardHarness> {
  const kiln = await startKiln(options);
  const account = await kiln.createAccount(accountName);
  const token = account.apiToken;
  const chromium = await launchChromium();
  const { browser } = chromium;
  return {
    kiln,
    token,
    account,
    browser,
    async signedIn(viewport) {
      const page = await (await browser.newContext({ viewport })).newPage();
      const errors = watchErrors(page);
      await page.goto(`${kiln.url}/dashboard/`);
      await page.fill('input[name=token]', token);
      await page.click('#sign-in button[type=submit]');
      await page.waitForSelector('#uploader .uppy-Dashboard');
      return { page, errors };
    },
    async close() {
      await chromium.close();
      await kiln.close();
    },
  };
}
