import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// `/player?src=&poster=` loads media from this origin only (issue 15 item 7). The check runs on the
// URL as the browser resolves it, so every spelling that a browser reads as another host is refused,
// and what goes into the page is absolute, so no path can be re-read as a host later.

let kiln: TestKiln;
before(async () => {
  kiln = await startKiln();
});
after(() => kiln.close());

const OTHER_HOST = [
  '/\\evil.test/x.m3u8',
  '\\\\evil.test/x.m3u8',
  '\\/evil.test/x.m3u8',
  '//evil.test/x.m3u8',
  '///evil.test/x.m3u8',
  'https:evil.test/x.m3u8',
  'https:/evil.test/x.m3u8',
  'http://evil.test/x.m3u8',
  'ht\ttp://evil.test/x.m3u8',
  'h\nttps://evil.test/x.m3u8',
  '/\t/evil.test/x.m3u8',
  '/\n/evil.test/x.m3u8',
  '/\r\\evil.test/x.m3u8',
  ' //evil.test/x.m3u8',
  'javascript:alert(1)',
  'data:application/vnd.apple.mpegurl,#EXTM3U',
  'http://127.0.0.1:1/x.m3u8',
];

async function player(query: Record<string, string>) {
  const res = await fetch(`${kiln.url}/player?${new URLSearchParams(query)}`);
  const body = await res.text();
  const json = /<script type="application\/json" id="kiln-player-config">(.*?)<\/script>/s.exec(body)?.[1];
  return { status: res.status, config: json ? (JSON.parse(json) as Record<string, unknown>) : null };
}

test('src naming another host in any spelling is refused', async () => {
  for (const src of OTHER_HOST) {
    const { status } = await player({ src });
    assert.equal(status, 400, `accepted ${JSON.stringify(src)}`);
  }
});

test('a poster naming another host is dropped; the manifest still plays', async () => {
  for (const poster of OTHER_HOST) {
    const { status, config } = await player({ src: '/stream/x/manifest/video.m3u8', poster });
    assert.equal(status, 200);
    assert.equal(config?.posterUrl, null, `kept ${JSON.stringify(poster)}`);
  }
});

test('paths on this origin are accepted and go into the page as absolute URLs on it', async () => {
  for (const src of [
    '/stream/x/manifest/video.m3u8',
    '/.//evil.test/x.m3u8',
    '%2F%2Fevil.test/x.m3u8',
    'x.m3u8',
  ]) {
    const { status, config } = await player({ src, poster: '/p.jpg' });
    assert.equal(status, 200, src);
    const manifest = String(config?.manifestUrl);
    assert.equal(new URL(manifest).origin, kiln.url, `${src} -> ${manifest}`);
    assert.ok(manifest.startsWith(`${kiln.url}/`), manifest);
    assert.equal(config?.posterUrl, `${kiln.url}/p.jpg`);
  }
});
