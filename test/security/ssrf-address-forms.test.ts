import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { deliverWebhook, putWebhook } from '../../src/core/cloudflare-stream/stream-webhooks.js';
import { isPublicAddress } from '../../src/core/fetch/address-policy.js';
import { checkFetchUrl, parseFetchUrl, type Resolver } from '../../src/core/fetch/check-url.js';
import { fetchReasonOf } from '../../src/core/fetch/fetch-error.js';
import { safeFetch } from '../../src/core/fetch/safe-fetch.js';
import type { JobContext } from '../../src/core/jobs/job-queue.js';
import { nonPublicAddressUrl } from '../support/address-forms.js';
import { type ConnectGuard, guardConnections } from '../support/connect-guard.js';
import { Fuzzer } from '../support/fuzz.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { quadrantPng } from '../support/test-images.js';

// Nothing here leaves loopback: the guard refuses (and records) any connect or system DNS lookup
// that is not loopback, names are answered by the resolvers below, and refusals must come before
// any connection.

/** Addresses that must never be reached, with what each is. */
const NOT_PUBLIC: Array<[string, string]> = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', '"this network" 0/8'],
  ['10.1.2.3', 'private'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.254', 'CGNAT, top'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback, top'],
  ['169.254.169.254', 'metadata / link-local'],
  ['172.31.255.255', 'private'],
  ['192.0.0.9', 'IETF protocol assignments'],
  ['192.0.0.170', 'NAT64 discovery'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.0.1', 'private'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking, top'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.7', 'TEST-NET-3'],
  ['224.0.0.251', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved 240/4'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'IPv6 unspecified'],
  ['::1', 'IPv6 loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::7f00:1', 'IPv4-compatible loopback, hex'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['::8.8.8.8', 'IPv4-compatible, even of a public IPv4 (deprecated form)'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped metadata, long'],
  ['::FFFF:A00:1', 'IPv4-mapped private, upper case'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated loopback'],
  ['::ffff:0:808:808', 'IPv4-translated'],
  ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
  ['64:ff9b:1::808:808', 'NAT64 local-use 64:ff9b:1::/48'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:808:808::1', '6to4 (deprecated) even of a public IPv4'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo (client 127.0.0.1, XORed)'],
  ['2001::1', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'ORCHID'],
  ['2001:20::1', 'ORCHIDv2'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation 3fff::/20'],
  ['2607:f8b0::5efe:127.0.0.1', 'ISATAP of loopback in a global prefix'],
  ['2607:f8b0::200:5efe:a9fe:a9fe', 'ISATAP (u/l bit) of metadata'],
  ['fe80::1', 'link-local'],
  ['fe80::5efe:a00:1', 'link-local ISATAP'],
  ['fec0::1', 'site-local (deprecated)'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'global multicast'],
  ['100::1', 'discard-only 100::/64'],
  ['5f00::1', 'segment routing'],
  ['4000::1', 'outside 2000::/3'],
  ['2620:4f:8000::1', 'AS112'],
  ['2606:4700::1111%eth0', 'with a zone'],
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '100.63.255.255',
  '100.128.0.1',
  '198.20.0.1',
  '223.255.255.254',
  '2606:4700:4700::1111',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2607:f8b0::5efe:808:808',
  '2001:4860:4860::8888',
];

test('address policy: every special IPv4 and IPv6 form is refused, global unicast allowed', () => {
  for (const [address, what] of NOT_PUBLIC)
    assert.equal(isPublicAddress(address), false, `${address} (${what})`);
  for (const address of PUBLIC) assert.equal(isPublicAddress(address), true, address);
});

const noDns: Resolver = async (host) => {
  throw new Error(`resolver must not be called (${host})`);
};

async function reason(url: string, resolver: Resolver = noDns): Promise<string> {
  try {
    await checkFetchUrl(parseFetchUrl(url), { allowPrivate: false, resolver });
    return 'ok';
  } catch (err) {
    return fetchReasonOf(err) ?? String(err);
  }
}

test('URL host forms reach the check normalised: decimal, octal, hex, short, bracketed IPv6', async () => {
  for (const url of [
    'http://2130706433/',
    'http://017700000001/',
    'http://0x7f000001/',
    'http://0x7f.1/',
    'http://0x7F.0.0.1./',
    'http://127.1/',
    'http://0/',
    'http://10.1/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://100.64.1/',
    'http://4294967295/',
    'http://[::127.0.0.1]/',
    'http://[::7f00:1]:8080/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    'https://[fec0::1]/',
    'http://[2607:f8b0::5efe:7f00:1]/',
  ]) {
    assert.equal(await reason(url), 'private_ip', url);
  }
  assert.equal(await reason('http://[2606:4700:4700::1111]/'), 'ok');
});

// Names resolve through this table only (and every answer must be refused before connecting).
const TABLE: Record<string, string[]> = {
  'compat.test': ['::7f00:1'],
  'mapped.test': ['::ffff:a9fe:a9fe'],
  'nat64.test': ['64:ff9b::a00:1'],
  'isatap.test': ['2607:f8b0::5efe:a00:1'],
  'cgnat.test': ['100.64.0.1'],
  'mixed.test': ['93.184.216.34', '::7f00:1'],
  'public.test': ['93.184.216.34'],
};
const resolved: string[] = [];
const tableResolver: Resolver = async (host) => {
  resolved.push(host);
  const answer = TABLE[host];
  if (!answer) throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
  return answer;
};

const REFUSED_URLS = [
  'http://[::127.0.0.1]/a.png',
  'http://[::ffff:0:7f00:1]/a.png',
  'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/a.png',
  'http://[2607:f8b0::5efe:a9fe:a9fe]/a.png',
  'http://[fec0::1]/a.png',
  'http://0x7f.1/a.png',
  'http://100.64.0.1/a.png',
  'http://compat.test/a.png',
  'http://nat64.test/a.png',
  'http://isatap.test/a.png',
  'http://mixed.test/a.png',
];

let guard: ConnectGuard;
let kiln: TestKiln;
let creds: AccountCredentials;
before(async () => {
  guard = guardConnections();
  kiln = await startKiln({ resolver: tableResolver });
  creds = await kiln.createAccount();
});
after(async () => {
  await kiln?.close();
  guard?.uninstall();
});

const cf = (path: string, init: RequestInit = {}) =>
  fetch(`${kiln.url}/client/v4/accounts/${creds.id}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${creds.apiToken}`,
      ...(init.body instanceof FormData ? {} : { 'content-type': 'application/json' }),
    },
  });

test('every fetcher refuses every form, before any connection', async () => {
  const direct = await (
    await cf('/stream/direct_upload', { method: 'POST', body: '{"maxDurationSeconds":60}' })
  ).json();
  const videoUid = (direct as { result: { uid: string } }).result.uid;
  const fetchers: Record<string, (url: string) => Promise<Response>> = {
    'uploadcare from_url': (url) =>
      fetch(`${kiln.url}/uploadcare/from_url/`, {
        method: 'POST',
        body: new URLSearchParams({ pub_key: creds.uploadcare.publicKey, source_url: url }),
      }),
    'images upload by url': (url) => {
      const form = new FormData();
      form.set('url', url);
      return cf('/images/v1', { method: 'POST', body: form });
    },
    'stream copy': (url) => cf('/stream/copy', { method: 'POST', body: JSON.stringify({ url }) }),
    'watermark by url': (url) => cf('/stream/watermarks', { method: 'POST', body: JSON.stringify({ url }) }),
    'audio track copy': (url) =>
      cf(`/stream/${videoUid}/audio/copy`, { method: 'POST', body: JSON.stringify({ url, label: 'x' }) }),
  };
  for (const [name, send] of Object.entries(fetchers)) {
    for (const url of REFUSED_URLS) {
      const res = await send(url);
      const body = await res.text();
      assert.equal(res.status, 400, `${name} ${url}: ${body}`);
      assert.match(body, /public IP|PrivateIP/i, `${name} ${url}: ${body}`);
    }
  }
  for (const url of REFUSED_URLS) {
    assert.equal(
      await safeFetch(url, {
        allowPrivate: false,
        resolver: tableResolver,
        maxBytes: 10,
        timeoutMs: 2000,
      }).then(
        () => 'ok',
        (err) => fetchReasonOf(err),
      ),
      'private_ip',
      `safeFetch ${url}`,
    );
  }
  assert.deepEqual(guard.refused, [], 'no connection or DNS lookup left loopback');
  assert.deepEqual(
    guard.dialled.filter((a) => a !== '127.0.0.1'),
    [],
    'only Kiln itself was dialled',
  );
  assert.ok(resolved.includes('isatap.test'), 'names went through the injected resolver');
});

test('webhook delivery refuses every form, before any connection', async () => {
  for (const url of ['http://compat.test/hook', 'http://isatap.test/hook', 'http://[::127.0.0.1]/hook']) {
    // Stored directly, as if saved before the save-time check existed.
    await putWebhook({ ...kiln.server.runtime, fetchPolicy: { allowPrivate: true } }, creds.id, url);
    await assert.rejects(deliverWebhook(kiln.server.runtime, job(creds.id)), (err) => {
      assert.equal(fetchReasonOf(err), 'private_ip', url);
      return true;
    });
  }
  assert.deepEqual(guard.refused, []);
});

function job(accountId: string): JobContext<{ accountId: string; body: string }> {
  return {
    id: 'j',
    kind: 'cfstream.webhook',
    payload: { accountId, body: '{}' },
    attempt: 1,
    maxAttempts: 1,
    signal: new AbortController().signal,
    touch: async () => {},
  } as unknown as JobContext<{ accountId: string; body: string }>;
}

test('webhook and restream URLs are refused when saved (Cloudflare envelope), unless public', async () => {
  for (const notificationUrl of [
    'http://[::127.0.0.1]/hook',
    'http://2130706433/hook',
    'http://[64:ff9b::a9fe:a9fe]/hook',
    'http://10.0.0.1/hook',
    'http://compat.test/hook',
    'https://mixed.test/hook',
  ]) {
    const res = await cf('/stream/webhook', { method: 'PUT', body: JSON.stringify({ notificationUrl }) });
    const body = (await res.json()) as { success: boolean; errors: Array<{ code: number; message: string }> };
    assert.equal(res.status, 400, notificationUrl);
    assert.equal(body.success, false);
    assert.match(body.errors[0]!.message, /public address/, notificationUrl);
  }
  for (const notificationUrl of ['https://public.test/hook', 'https://not-yet-in-dns.test/hook']) {
    const res = await cf('/stream/webhook', { method: 'PUT', body: JSON.stringify({ notificationUrl }) });
    assert.equal(res.status, 200, `${notificationUrl}: ${await res.text()}`);
  }

  const input = (await (await cf('/stream/live_inputs', { method: 'POST', body: '{}' })).json()) as {
    result: { uid: string };
  };
  const outputs = `/stream/live_inputs/${input.result.uid}/outputs`;
  for (const url of [
    'rtmp://2130706433/app',
    'rtmp://0x7f.1/app',
    'rtmp://10.1/app',
    'rtmps://169.254.169.254:443/app',
    'rtmp://compat.test/live',
    'rtmp://cgnat.test/live',
  ]) {
    const res = await cf(outputs, { method: 'POST', body: JSON.stringify({ url, streamKey: 'k' }) });
    const body = (await res.json()) as { success: boolean; errors: Array<{ message: string }> };
    assert.equal(res.status, 400, url);
    assert.match(body.errors[0]!.message, /public address/, url);
  }
  const ok = await cf(outputs, {
    method: 'POST',
    body: JSON.stringify({ url: 'rtmp://public.test/live', streamKey: 'k' }),
  });
  assert.equal(ok.status, 200, await ok.text());
  assert.deepEqual(guard.refused, []);
});

test('restream targets: numeric spellings normalised, refused forms dropped', async () => {
  const { pinnedRestreamUrl } = await import('../../src/core/live/restream-target.js');
  const closed = { allowPrivate: false, resolver: tableResolver };
  for (const url of [
    'rtmp://2130706433/app',
    'rtmp://0x7f.1/app',
    'rtmp://compat.test/app',
    'rtmp://nope.test/a',
  ])
    assert.equal(await pinnedRestreamUrl(url, closed), null, url);
  assert.equal(
    await pinnedRestreamUrl('rtmps://public.test:443/app?x=1', closed),
    'rtmps://93.184.216.34:443/app?x=1',
  );
  assert.equal(
    await pinnedRestreamUrl('rtmp://0x7f.1:1935/app', { allowPrivate: true }),
    'rtmp://127.0.0.1:1935/app',
  );
});

// --- DNS rebinding: the first answer is checked, and the connection must go there ---

/** Answers 127.0.0.1 the first time a name is asked, 127.0.0.2 every time after. */
function rebinding(): Resolver & { reset(): void; asked: number } {
  const seen = new Set<string>();
  const r = Object.assign(
    async (host: string) => {
      r.asked++;
      if (seen.has(host)) return ['127.0.0.2'];
      seen.add(host);
      return ['127.0.0.1'];
    },
    { asked: 0, reset: () => seen.clear() },
  );
  return r;
}

async function listenPair(handler: (which: 'checked' | 'rebound', body: string) => Buffer | string) {
  const hits = { checked: 0, rebound: 0 };
  const make = (which: 'checked' | 'rebound') =>
    createServer(async (req, res) => {
      hits[which]++;
      res.end(handler(which, await text(req)));
    });
  const first = make('checked');
  await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
  const port = (first.address() as AddressInfo).port;
  const second = make('rebound');
  await new Promise<void>((r, j) => second.once('error', j).listen(port, '127.0.0.2', r));
  return { port, hits, close: () => Promise.all([first, second].map(closeServer)) };
}

const closeServer = (s: Server) =>
  new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

test('rebinding: safeFetch, webhooks, images by URL and restreams use the address that was checked', async () => {
  const png = await quadrantPng(16, 16);
  const pair = await listenPair((which) => (which === 'checked' ? png : 'rebound'));
  const resolver = rebinding();
  const open = await startKiln({ resolver, env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
  try {
    const res = await safeFetch(`http://rebind.test:${pair.port}/a.png`, {
      allowPrivate: true,
      resolver,
      maxBytes: 100_000,
      timeoutMs: 5000,
    });
    assert.deepEqual(Buffer.from(await res.body.toArray().then((c) => Buffer.concat(c))), png);

    const account = await open.createAccount();
    resolver.reset();
    const form = new FormData();
    form.set('url', `http://rebind.test:${pair.port}/a.png`);
    const created = await fetch(`${open.url}/client/v4/accounts/${account.id}/images/v1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.apiToken}` },
      body: form,
    });
    assert.equal(created.status, 200, await created.text());

    const asked = resolver.asked;
    const saved = await fetch(`${open.url}/client/v4/accounts/${account.id}/stream/webhook`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${account.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ notificationUrl: `http://hook.test:${pair.port}/hook` }),
    });
    assert.equal(saved.status, 200);
    assert.equal(resolver.asked, asked, 'saving with KILN_ALLOW_PRIVATE_FETCH=1 asks no DNS');
    await deliverWebhook(open.server.runtime, job(account.id));

    const { pinnedRestreamUrl } = await import('../../src/core/live/restream-target.js');
    resolver.reset();
    assert.equal(
      await pinnedRestreamUrl('rtmp://live.test:1935/app', { allowPrivate: true, resolver }),
      'rtmp://127.0.0.1:1935/app',
    );
    assert.equal(pair.hits.rebound, 0, 'nothing reached the rebound address');
    assert.equal(pair.hits.checked, 3);
  } finally {
    await open.close();
    await pair.close();
  }
  assert.deepEqual(guard.refused, []);
});

test('fuzzed address spellings: every one refused without asking DNS', async () => {
  const f = new Fuzzer(Number(process.env.KILN_FUZZ_SEED ?? 15));
  let privateIp = 0;
  for (let i = 0; i < 3000; i++) {
    const url = nonPublicAddressUrl(f);
    const r = await reason(url);
    assert.ok(['private_ip', 'host_malformed', 'url_invalid'].includes(r), `${url}: ${r}`);
    if (r === 'private_ip') privateIp++;
  }
  assert.ok(privateIp > 2500, `${privateIp} of 3000 reached the address check`);
});
