/**
 * Cloudflare Stream's watch and iframe pages live on Kiln's origin, and every query value reaches
 * the page: none of them may become script. The page's script is static and its settings are JSON
 * data; a CSP allows scripts from this origin only. Tested with a real video played in Chromium.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { launchChromium, skipBrowser, watchErrors } from '../browser/browser-support.js';
import {
  type StreamHarness,
  startStream,
  waitSettled,
} from '../http/dialects/cloudflare-stream/stream-support.js';

let h: StreamHarness;
let counter: Server;
let hits = 0;
let uid: string;

before(async () => {
  h = await startStream();
  counter = createServer((_req, res) => {
    hits++;
    res.end('hit');
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
  const form = new FormData();
  form.append(
    'file',
    new Blob([new Uint8Array(await readFile(h.fx.withAudio))], { type: 'video/mp4' }),
    'w.mp4',
  );
  const res = await fetch(`${h.kiln.url}/client/v4/accounts/${h.accountId}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.apiToken}` },
    body: form,
  });
  uid = ((await res.json()) as { result: { uid: string } }).result.uid;
  const v = await waitSettled(h.client, h.accountId, uid);
  assert.equal(v.status?.state, 'ready');
});
after(async () => {
  await h?.close();
  counter?.close();
});

function payloads(): string[] {
  const hit = `http://127.0.0.1:${(counter.address() as AddressInfo).port}/hit`;
  return [
    `</script><script>fetch('${hit}')</script>`,
    `</SCRIPT><img src=x onerror="fetch('${hit}')">`,
    `"-fetch('${hit}')-"`,
    `<!--<script>fetch('${hit}')</script>`,
  ];
}

test('query values reach the watch and iframe pages only as data, under a script-src self CSP', async () => {
  for (const page of ['watch', 'iframe']) {
    for (const p of payloads()) {
      const q = new URLSearchParams({ defaultTextTrack: p, startTime: p, poster: p, letterboxColor: p });
      const res = await fetch(`${h.kiln.url}/stream/${uid}/${page}?${q}`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline'[^;]*script|script-src[^;]*unsafe-inline/);
      const html = await res.text();
      // No markup from the payload: no tag it opens, no script element it closes.
      assert.doesNotMatch(html, /<script>fetch|<img src=x|<!--/i, `${page}: ${p}`);
      assert.equal((html.match(/<\/script>/gi) ?? []).length, 3, `${page}: ${p}`);
      // The only inline <script> left is the JSON data block.
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]!.trim());
      assert.deepEqual(inline, ['type="application/json" id="kiln-watch-config"']);
    }
  }
});

test('in Chromium the injected values never run, and the page still plays the video', {
  skip: skipBrowser,
}, async () => {
  const chromium = await launchChromium();
  try {
    for (const p of payloads()) {
      const page = await chromium.browser.newPage();
      const errors = watchErrors(page);
      const q = new URLSearchParams({ defaultTextTrack: p, muted: 'true' });
      await page.goto(`${h.kiln.url}/stream/${uid}/watch?${q}`);
      await page.evaluate(() => {
        const v = document.querySelector('video')!;
        v.muted = true;
        return v.play();
      });
      await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.3, undefined, {
        timeout: 30_000,
      });
      assert.ok(await page.evaluate(() => Boolean((window as unknown as { kilnHls?: unknown }).kilnHls)));
      assert.deepEqual(errors, [], 'no CSP violation or page error');
      await page.close();
    }
    assert.equal(hits, 0, 'no injected script reached the loopback counter');
  } finally {
    await chromium.close();
  }
});
