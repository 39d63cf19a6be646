import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, get, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { connect as streamConnect } from 'getstream';
import type { Browser } from 'playwright-core';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { launchChromium, skipBrowser } from '../browser/browser-support.js';
import { freePort } from '../support/free-port.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { quadrantPng } from '../support/test-images.js';
import { ffmpeg } from '../support/video-fixtures.js';

// Uploaded bytes never run script on Kiln's origin (issue 15 item 2). Every user file carries
// nosniff and a sandboxing CSP; HTML, SVG and other active types are attachments on Kiln's own
// origin and inline (still sandboxed) only on the separate delivery origin. Chromium checks that a
// script inside an uploaded SVG or HTML file does not run: it would call a loopback counter.

let kiln: TestKiln;
let creds: AccountCredentials;
let forwarder: Server;
let counter: ReturnType<typeof createHttpServer>;
let counterPort: number;
let hits = 0;
let deliveryOrigin: string;

before(async () => {
  counterPort = await freePort();
  counter = createHttpServer((_req, res) => {
    hits++;
    res.setHeader('access-control-allow-origin', '*');
    res.end('counted');
  });
  await new Promise<void>((r) => counter.listen(counterPort, '127.0.0.1', r));
  // The delivery origin: another port on loopback, forwarded to the same Kiln (its Host differs).
  const deliveryPort = await freePort();
  deliveryOrigin = `http://localhost:${deliveryPort}`;
  kiln = await startKiln({
    env: { KILN_DELIVERY_URL: deliveryOrigin, KILN_RATE_LIMIT_IP_PER_MINUTE: '0' },
  });
  const kilnPort = Number(new URL(kiln.url).port);
  forwarder = createServer((client) => {
    const upstream = connect(kilnPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => forwarder.listen(deliveryPort, '127.0.0.1', r));
  creds = await kiln.createAccount('isolation');
});
after(async () => {
  forwarder?.close();
  counter?.close();
  await kiln?.close();
});

const script = () => `fetch('http://127.0.0.1:${counterPort}/hit').catch(()=>{});document.title='ran'`;
const svg = () =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${script()}"><script>${script()}</script><rect width="10" height="10"/></svg>`;
const html = () => `<!doctype html><html><body><h1>hi</h1><script>${script()}</script></body></html>`;

/** GET with an explicit Host header (the delivery origin is another name for the same server). */
function fetchOn(url: string, host: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const port = Number(new URL(kiln.url).port);
    get({ host: '127.0.0.1', port, path: u.pathname + u.search, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    }).on('error', reject);
  });
}
const mainHost = () => new URL(kiln.url).host;
const deliveryHost = () => new URL(deliveryOrigin).host;
/** A URL Kiln handed out for the delivery origin, fetched on Kiln's own origin instead. */
const onMain = (url: string) => url.replace(deliveryOrigin, kiln.url);

async function kilnUpload(body: string, name: string, type: string): Promise<string> {
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${creds.apiToken}`, 'content-type': type },
    body,
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { url: string }).url;
}

async function uploadcareUpload(body: string | Buffer, name: string, type: string): Promise<string> {
  const form = new FormData();
  form.set('UPLOADCARE_PUB_KEY', creds.uploadcare.publicKey);
  form.set('UPLOADCARE_STORE', '1');
  form.set('file', new Blob([typeof body === 'string' ? body : new Uint8Array(body)], { type }), name);
  const res = await fetch(`${kiln.url}/uploadcare/base/`, { method: 'POST', body: form });
  assert.equal(res.status, 200);
  const { file } = (await res.json()) as { file: string };
  return `${kiln.url}/${file}/`;
}

function assertUserContentHeaders(headers: IncomingHttpHeaders, what: string) {
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.match(String(headers['content-security-policy']), /^sandbox;.*default-src 'none'/, what);
}

test('Kiln links: HTML is an attachment on the main origin, sandboxed inline on the delivery origin', async () => {
  const url = await kilnUpload(html(), 'page.html', 'text/html');
  assert.ok(url.startsWith(`${deliveryOrigin}/files/`), `links are built on the delivery origin: ${url}`);
  const main = await fetchOn(url, mainHost());
  assert.equal(main.status, 200);
  assert.match(String(main.headers['content-type']), /^text\/html/);
  assert.match(String(main.headers['content-disposition']), /^attachment/);
  assertUserContentHeaders(main.headers, 'main origin');
  const delivery = await fetchOn(url, deliveryHost());
  assert.match(String(delivery.headers['content-disposition']), /^inline/);
  assertUserContentHeaders(delivery.headers, 'delivery origin');
});

test('Uploadcare CDN: an SVG is an attachment even with -/inline/yes/; a PNG stays inline, with the same headers', async () => {
  const base = await uploadcareUpload(svg(), 'x.svg', 'image/svg+xml');
  for (const url of [base, `${base}-/inline/yes/`, `${base}x.svg`]) {
    const res = await fetchOn(url, mainHost());
    assert.equal(res.status, 200, url);
    assert.match(String(res.headers['content-disposition']), /^attachment/, url);
    assertUserContentHeaders(res.headers, url);
  }
  const png = await uploadcareUpload(await quadrantPng(20, 10), 'x.png', 'image/png');
  const res = await fetchOn(png, mainHost());
  assert.match(String(res.headers['content-disposition']), /^inline/);
  assertUserContentHeaders(res.headers, 'png');
});

test('getstream CDN: an SVG uploaded as an image is an attachment on the main origin', async () => {
  const server = streamConnect(creds.stream.apiKey, creds.stream.apiSecret, undefined, {
    urlOverride: { api: `${kiln.url}/api/` },
  });
  const { file } = await server.images.upload(
    Readable.from([Buffer.from(svg())]) as unknown as NodeJS.ReadStream,
    'x.svg',
    'image/svg+xml',
  );
  assert.ok(file.startsWith(deliveryOrigin), file);
  const res = await fetchOn(onMain(file), mainHost());
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-disposition']), /^attachment/);
  assertUserContentHeaders(res.headers, 'getstream');
});

let browser: Browser | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
after(async () => closeBrowser?.());

async function openInChromium(url: string): Promise<{ title: string; downloaded: boolean }> {
  if (!browser) ({ browser, close: closeBrowser } = await launchChromium());
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  let downloaded = false;
  page.on('download', () => {
    downloaded = true;
  });
  await page.goto(url).catch(() => {}); // a download aborts the navigation
  await page.waitForTimeout(500);
  const title = await page.title().catch(() => '');
  await context.close();
  return { title, downloaded };
}

test('Chromium: a script in an uploaded SVG or HTML does not run from any of its Kiln URLs', {
  skip: skipBrowser,
}, async () => {
  const svgUrl = await uploadcareUpload(svg(), 'evil.svg', 'image/svg+xml');
  const htmlUrl = await kilnUpload(html(), 'evil.html', 'text/html');
  const before = hits;
  for (const url of [svgUrl, `${svgUrl}-/inline/yes/`, onMain(htmlUrl), htmlUrl]) {
    const { title } = await openInChromium(url);
    assert.notEqual(title, 'ran', `script ran at ${url}`);
  }
  // The delivery origin shows the file inline, sandboxed: rendered, but no script.
  const delivered = `${deliveryOrigin}${new URL(svgUrl).pathname}-/inline/yes/`;
  assert.notEqual((await openInChromium(delivered)).title, 'ran');
  assert.equal(hits - before, 0, 'no script reached the counter');
});

test('Chromium: an image opened on its own still displays under the sandboxing policy', {
  skip: skipBrowser,
}, async () => {
  const url = await uploadcareUpload(await quadrantPng(20, 10), 'ok.png', 'image/png');
  if (!browser) ({ browser, close: closeBrowser } = await launchChromium());
  const page = await browser.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') violations.push(m.text());
  });
  await page.goto(url);
  const width = await page.evaluate(() => document.querySelector('img')?.naturalWidth ?? 0);
  assert.ok(width > 0, 'the image document shows the image');
  assert.deepEqual(violations, []);
  await page.close();
});

test('Chromium: a video opened on its own still plays under the sandboxing policy', {
  skip: skipBrowser,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-csp-video-'));
  const path = join(dir, 'clip.webm');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '1', '-c:v', 'libvpx', path]);
  const bytes = await readFile(path);
  await rm(dir, { recursive: true, force: true });
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=clip.webm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${creds.apiToken}`, 'content-type': 'video/webm' },
    body: new Uint8Array(bytes),
  });
  const url = onMain(((await res.json()) as { url: string }).url);
  if (!browser) ({ browser, close: closeBrowser } = await launchChromium());
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, undefined, {
    timeout: 10_000,
  });
  assert.equal(await page.evaluate(() => document.querySelector('video')?.videoWidth), 160);
  await page.close();
});
