import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { nonPublicAddressUrl } from '../support/address-forms.js';
import { type ConnectGuard, guardConnections } from '../support/connect-guard.js';
import { Fuzzer } from '../support/fuzz.js';
import { rawRequest } from '../support/raw-http.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// Boundary and random inputs to each dialect's multipart, TUS and JSON routes, sent as raw bytes:
// never a 5xx, never a hang, and every error in the dialect's own envelope.
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 11);
let kiln: TestKiln;
let creds: AccountCredentials;
let port: number;
let gsToken: string;

// Nothing may leave loopback, not even a background job after a test has failed: the guard is
// installed before Kiln starts and removed only after it has closed.
let guard: ConnectGuard;

before(async () => {
  guard = guardConnections();
  kiln = await startKiln({
    env: {
      KILN_RATE_LIMIT_IP_PER_MINUTE: '0',
      KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
      KILN_UPLOADCARE_REQUESTS_PER_SECOND: '100000',
      // A body that stops midway (cut chunked body) is answered 408 when the connection goes idle:
      // shortened from 120 s so the answer comes within the 10 s each case is given.
      KILN_IDLE_TIMEOUT_SECONDS: '4',
    },
  });
  creds = await kiln.createAccount();
  port = Number(new URL(kiln.url).port);
  gsToken = await new SignJWT({ resource: '*', action: '*', feed_id: '*' })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(creds.stream.apiSecret));
});
after(async () => {
  await kiln?.close();
  guard?.uninstall();
});

type Dialect = 'cloudflare' | 'uploadcare' | 'getstream' | 'tus';
/** What an error body of each dialect looks like. */
const ENVELOPES: Record<Dialect, RegExp> = {
  cloudflare: /^\{"result":null,"success":false,"errors":\[\{"code":\d+,"message":/,
  uploadcare: /^\{"error":\{"status_code":\d+,"content":|"error_code":"[A-Za-z]+"/,
  getstream: /"code":\d+.*"exception":"[A-Za-z]+"|"exception":"[A-Za-z]+".*"code":\d+/s,
  // tus answers its protocol errors as plain text; the Stream plugin's own ones in Cloudflare's.
  tus: /^[\s\S]*$/,
};

interface Route {
  dialect: Dialect;
  method: string;
  path: () => string;
  headers: () => string[];
}

const routes = (): Record<string, Route> => ({
  images: {
    dialect: 'cloudflare',
    method: 'POST',
    path: () => `/client/v4/accounts/${creds.id}/images/v1`,
    headers: () => [`Authorization: Bearer ${creds.apiToken}`],
  },
  stream: {
    dialect: 'cloudflare',
    method: 'POST',
    path: () => `/client/v4/accounts/${creds.id}/stream`,
    headers: () => [`Authorization: Bearer ${creds.apiToken}`],
  },
  ucBase: {
    dialect: 'uploadcare',
    method: 'POST',
    path: () => `/uploadcare/base/?jsonerrors=1`,
    headers: () => [],
  },
  ucMultipart: {
    dialect: 'uploadcare',
    method: 'POST',
    path: () => `/uploadcare/multipart/start/?jsonerrors=1`,
    headers: () => [],
  },
  gsFiles: {
    dialect: 'getstream',
    method: 'POST',
    path: () => `/api/v1.0/files?api_key=${creds.stream.apiKey}`,
    headers: () => [`Authorization: ${gsToken}`, 'stream-auth-type: jwt'],
  },
});

async function send(route: Route, extra: string[], body: Buffer | string, what: string) {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  const head = [`Host: 127.0.0.1:${port}`, 'Connection: close', ...route.headers(), ...extra];
  if (!extra.some((h) => /^(content-length|transfer-encoding):/i.test(h)))
    head.push(`Content-Length: ${payload.length}`);
  const request = Buffer.concat([
    Buffer.from(`${route.method} ${route.path()} HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n`, 'latin1'),
    payload,
  ]);
  const res = await rawRequest(port, request, 10_000);
  assert.ok(
    res.status >= 200 && res.status < 500,
    `${what}: ${res.status}\n${res.head}\n${res.body.slice(0, 300)}`,
  );
  if (res.status >= 400 && route.dialect !== 'tus')
    assert.match(
      res.body,
      ENVELOPES[route.dialect],
      `${what}: not in the ${route.dialect} envelope: ${res.body.slice(0, 300)}`,
    );
  return res;
}

const BOUNDARY = 'xXkilnfuzzXx';
const part = (name: string, value: string, filename?: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
  `${filename ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n${value}\r\n`;

function multipartCases(f: Fuzzer): Array<[string, string[], string]> {
  const ct = [`Content-Type: multipart/form-data; boundary=${BOUNDARY}`];
  const fields = `${part('UPLOADCARE_PUB_KEY', creds.uploadcare.publicKey)}${part('pub_key', creds.uploadcare.publicKey)}`;
  const whole = `${fields}${part('file', 'hello world', 'a.bin')}--${BOUNDARY}--\r\n`;
  const many = Array.from({ length: 3000 }, (_, i) => part(`f${i}`, 'x')).join('');
  const cases: Array<[string, string[], string]> = [
    ['truncated mid-part', ct, whole.slice(0, whole.length - 30)],
    ['truncated in headers', ct, `${fields}--${BOUNDARY}\r\nContent-Dispos`],
    ['no closing boundary', ct, `${fields}${part('file', 'abc', 'a.bin')}`],
    ['no boundary parameter', ['Content-Type: multipart/form-data'], whole],
    ['empty boundary', ['Content-Type: multipart/form-data; boundary='], whole],
    ['wrong boundary', ['Content-Type: multipart/form-data; boundary=other'], whole],
    ['empty body', ct, ''],
    ['only the end marker', ct, `--${BOUNDARY}--\r\n`],
    [
      'huge part header',
      ct,
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${'a'.repeat(200_000)}"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
    ],
    ['thousands of parts', ct, `${fields}${many}--${BOUNDARY}--\r\n`],
    [
      'thousands of files',
      ct,
      `${fields}${Array.from({ length: 1500 }, (_, i) => part('file', 'y', `f${i}`)).join('')}--${BOUNDARY}--\r\n`,
    ],
    ['part without disposition', ct, `--${BOUNDARY}\r\nX: y\r\n\r\nabc\r\n--${BOUNDARY}--\r\n`],
    ['field with a filename only', ct, `${fields}${part('metadata', '{"a":', 'm.json')}--${BOUNDARY}--\r\n`],
    ['json where multipart expected', ['Content-Type: application/json'], '{"file":"x"}'],
    ['chunked, cut', [...ct, 'Transfer-Encoding: chunked'], `ff\r\n${whole.slice(0, 40)}`],
  ];
  for (let i = 0; i < 12; i++) {
    const cut = f.int(whole.length);
    const noise = f.chars(60).replace(/[^\x20-\x7e]/g, '');
    cases.push([`random cut ${i}`, ct, whole.slice(0, cut) + noise]);
  }
  return cases;
}

test('multipart bodies: truncated, boundary-less, huge headers, thousands of parts', async () => {
  const f = new Fuzzer(SEED);
  for (const [name, route] of Object.entries(routes())) {
    for (const [what, headers, body] of multipartCases(f)) {
      // A truncated body with a full Content-Length would wait for the rest: announce what is sent.
      await send(route, headers, body, `${name} / ${what}`);
    }
  }
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});

test('TUS headers: bad offsets and lengths, malformed metadata, wrong versions', async () => {
  const stream = routes().stream;
  const bad: Array<[string, string[]]> = [
    ['negative length', ['Tus-Resumable: 1.0.0', 'Upload-Length: -1']],
    ['huge length', ['Tus-Resumable: 1.0.0', 'Upload-Length: 99999999999999999999999']],
    ['length over the limit', ['Tus-Resumable: 1.0.0', `Upload-Length: ${40 * 1024 ** 3}`]],
    ['non-numeric length', ['Tus-Resumable: 1.0.0', 'Upload-Length: 1e3']],
    ['no length', ['Tus-Resumable: 1.0.0']],
    ['wrong version', ['Tus-Resumable: 0.2.2', 'Upload-Length: 10']],
    [
      'bad base64 metadata',
      ['Tus-Resumable: 1.0.0', 'Upload-Length: 10', 'Upload-Metadata: name !!!notbase64'],
    ],
    ['metadata without a key', ['Tus-Resumable: 1.0.0', 'Upload-Length: 10', 'Upload-Metadata: ,,, Zm9v']],
    [
      'duplicate metadata keys',
      ['Tus-Resumable: 1.0.0', 'Upload-Length: 10', 'Upload-Metadata: name Zm9v,name YmFy'],
    ],
    [
      'maxdurationseconds not a number',
      [
        'Tus-Resumable: 1.0.0',
        'Upload-Length: 10',
        `Upload-Metadata: maxdurationseconds ${Buffer.from('lots').toString('base64')}`,
      ],
    ],
    [
      'huge metadata',
      [
        'Tus-Resumable: 1.0.0',
        'Upload-Length: 10',
        `Upload-Metadata: name ${Buffer.from('n'.repeat(30_000)).toString('base64')}`,
      ],
    ],
    ['deferred length', ['Tus-Resumable: 1.0.0', 'Upload-Defer-Length: 1']],
  ];
  for (const [what, headers] of bad) {
    const res = await send(stream, headers, '', `creation / ${what}`);
    assert.ok(
      res.status !== 201 || what.startsWith('duplicate') || what.startsWith('metadata without'),
      `${what} created an upload`,
    );
  }

  // A real upload, then PATCHes with every kind of wrong header.
  const created = await send(stream, ['Tus-Resumable: 1.0.0', 'Upload-Length: 100'], '', 'creation');
  assert.equal(created.status, 201, created.body);
  const location = new URL(/\r\nlocation: ([^\r\n]+)/i.exec(created.head)![1]!).pathname;
  const upload: Route = { dialect: 'tus', method: 'PATCH', path: () => location, headers: () => [] };
  const octet = 'Content-Type: application/offset+octet-stream';
  const patches: Array<[string, string[], string]> = [
    ['offset ahead', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: 50'], 'x'.repeat(10)],
    ['negative offset', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: -1'], 'x'],
    ['huge offset', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: 99999999999999999999'], 'x'],
    ['offset not a number', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: abc'], 'x'],
    ['no offset', ['Tus-Resumable: 1.0.0', octet], 'x'],
    ['wrong content type', ['Tus-Resumable: 1.0.0', 'Content-Type: text/plain', 'Upload-Offset: 0'], 'x'],
    ['wrong version', ['Tus-Resumable: 9.9.9', octet, 'Upload-Offset: 0'], 'x'],
    ['past the length', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: 0'], 'x'.repeat(200)],
    ['length changed', ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: 0', 'Upload-Length: 5'], 'x'],
  ];
  for (const [what, headers, body] of patches) {
    const res = await send(upload, headers, body, `PATCH / ${what}`);
    assert.ok(res.status >= 400, `${what}: ${res.status}`);
  }
  const head = await send({ ...upload, method: 'HEAD' }, ['Tus-Resumable: 1.0.0'], '', 'HEAD');
  assert.match(head.head, /upload-offset: 0/i, 'a refused PATCH moved the offset');
  for (const bogus of [
    '/stream/upload/',
    '/stream/upload/%',
    '/stream/upload/../../etc',
    `/stream/upload/${'f'.repeat(500)}`,
  ])
    await send(
      { ...upload, path: () => bogus },
      ['Tus-Resumable: 1.0.0', octet, 'Upload-Offset: 0'],
      'x',
      `PATCH ${bogus}`,
    );
});

function deep(n: number, f: Fuzzer): string {
  const open = Array.from({ length: n }, () => (f.random() < 0.5 ? '[' : '{"a":'));
  return (
    open.join('') +
    '1' +
    open
      .reverse()
      .map((o) => (o === '[' ? ']' : '}'))
      .join('')
  );
}

test('JSON bodies: deep nesting, huge strings, wrong types', async () => {
  const f = new Fuzzer(SEED + 1);
  const auth = [`Authorization: Bearer ${creds.apiToken}`];
  const json = 'Content-Type: application/json';
  const targets: Route[] = [
    {
      dialect: 'cloudflare',
      method: 'PATCH',
      path: () => `/client/v4/accounts/${creds.id}/images/v1/nope`,
      headers: () => auth,
    },
    {
      dialect: 'cloudflare',
      method: 'POST',
      path: () => `/client/v4/accounts/${creds.id}/images/v1/variants`,
      headers: () => auth,
    },
    {
      dialect: 'cloudflare',
      method: 'PATCH',
      path: () => `/client/v4/accounts/${creds.id}/images/v1/config`,
      headers: () => auth,
    },
    {
      dialect: 'cloudflare',
      method: 'POST',
      path: () => `/client/v4/accounts/${creds.id}/stream/copy`,
      headers: () => auth,
    },
    {
      dialect: 'cloudflare',
      method: 'POST',
      path: () => `/client/v4/accounts/${creds.id}/stream/direct_upload`,
      headers: () => auth,
    },
    {
      dialect: 'cloudflare',
      method: 'POST',
      path: () => `/client/v4/accounts/${creds.id}/stream/live_inputs`,
      headers: () => auth,
    },
    {
      dialect: 'uploadcare',
      method: 'POST',
      path: () => '/uploadcare/group/?jsonerrors=1',
      headers: () => [],
    },
    {
      dialect: 'uploadcare',
      method: 'POST',
      path: () => '/uploadcare/from_url/?jsonerrors=1',
      headers: () => [],
    },
    {
      dialect: 'getstream',
      method: 'POST',
      path: () => `/api/v1.0/files/refresh?api_key=${creds.stream.apiKey}`,
      headers: () => [`Authorization: ${gsToken}`, 'stream-auth-type: jwt'],
    },
  ];
  const bodies = [
    deep(5000, f),
    deep(100, f),
    JSON.stringify({ id: 'x'.repeat(2_000_000) }),
    JSON.stringify({ url: 'http://'.concat('a'.repeat(100_000)) }),
    '{"options":{"width":"wide","fit":["a"]},"id":5,"neverRequireSignedURLs":"yes"}',
    '{"meta":null,"requireSignedURLs":[],"maxDurationSeconds":"1e309","creator":{}}',
    '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}',
    '[]',
    'null',
    '"string"',
    '12',
    '{"a":',
    '\u0000',
    '{"a":"\\ud800"}',
    JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
  ];
  for (const route of targets)
    for (const [i, body] of bodies.entries())
      await send(route, [json], body, `${route.method} ${route.path()} body ${i}`);
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});

test('URL inputs: non-public addresses in fuzzed spellings are refused before any connection', async () => {
  const f = new Fuzzer(SEED);
  const refusedBefore = guard.refused.length;
  const auth = [`Authorization: Bearer ${creds.apiToken}`];
  const json = 'Content-Type: application/json';
  for (let i = 0; i < 40; i++) {
    const url = nonPublicAddressUrl(f);
    const copy = await send(
      {
        dialect: 'cloudflare',
        method: 'POST',
        path: () => `/client/v4/accounts/${creds.id}/stream/copy`,
        headers: () => auth,
      },
      [json],
      JSON.stringify({ url }),
      `stream copy ${url}`,
    );
    assert.equal(copy.status, 400, `stream copy ${url}: ${copy.body}`);
    const uc = await send(
      {
        dialect: 'uploadcare',
        method: 'POST',
        path: () => '/uploadcare/from_url/?jsonerrors=1',
        headers: () => [],
      },
      ['Content-Type: application/x-www-form-urlencoded'],
      new URLSearchParams({ pub_key: creds.uploadcare.publicKey, source_url: url }).toString(),
      `from_url ${url}`,
    );
    // jsonerrors=1: Uploadcare's error envelope, answered with 200.
    assert.match(uc.body, /"error_code":"URL[A-Za-z]+Error"/, `from_url ${url}: ${uc.body}`);
  }
  assert.deepEqual(guard.refused.slice(refusedBefore), [], 'no connection left loopback');
});
