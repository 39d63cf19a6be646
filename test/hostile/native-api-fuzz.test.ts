import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BOUNDARY_VALUES, Fuzzer } from '../support/fuzz.js';
import { rawRequest } from '../support/raw-http.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// Random and boundary requests against the native API and the signed file links, sent as raw bytes:
// every answer must be a 4xx in Kiln's envelope (or a 2xx), never a 5xx, and the server must live on.
const CASES = Number(process.env.KILN_FUZZ_CASES ?? 600);
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 7);
let kiln: TestKiln;
let token: string;
let port: number;

before(async () => {
  kiln = await startKiln({
    env: {
      KILN_RATE_LIMIT_IP_PER_MINUTE: '0',
      KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
      KILN_MAX_UPLOAD_BYTES: '65536',
    },
  });
  token = (await kiln.createAccount()).apiToken;
  port = Number(new URL(kiln.url).port);
});
after(() => kiln.close());

/** encodeURIComponent, with lone surrogates sent as the raw (invalid UTF-8) bytes they would be. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
}

function pathChars(f: Fuzzer): string {
  // Raw bytes a request line may carry: no spaces, CR or LF (those end it).
  return f
    .chars(40, '/%?&=.-_')
    .replace(/[\s]/g, '')
    .replace(/[^\x21-\x7e]/g, (c) => enc(c));
}

test('directed cases: malformed encodings in headers and paths are never 5xx', async () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['POST', '/kiln/v1/assets', { 'X-Kiln-Filename': '%' }],
    ['POST', '/kiln/v1/assets', { 'X-Kiln-Filename': '%E0%A4%A' }],
    ['POST', '/kiln/v1/assets?name=%', {}],
    ['GET', '/kiln/v1/assets/%', {}],
    ['GET', '/kiln/v1/assets/%ED%A0%80', {}],
    ['GET', '/files/%/%?exp=1&sig=%', {}],
    ['GET', '/kiln/v1/assets?limit=1e309&offset=-0', {}],
  ];
  for (const [method, path, extra] of cases) {
    const headers = [`Host: x`, 'Connection: close', `Authorization: Bearer ${token}`, 'Content-Length: 3'];
    for (const [k, v] of Object.entries(extra)) headers.push(`${k}: ${v}`);
    const res = await rawRequest(port, `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\nabc`);
    assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(extra)}: ${res.status} ${res.body}`);
    if (extra['X-Kiln-Filename']) assert.equal(res.status, 400, res.body);
  }
});

test('the native API and file links answer random requests with 2xx/4xx only', async () => {
  const f = new Fuzzer(SEED);
  const seen = new Map<number, number>();
  for (let i = 0; i < CASES; i++) {
    const method = f.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);
    const base = f.pick(['/kiln/v1/assets', '/kiln/v1/assets/', '/kiln/v1/account', '/files/', '/kiln/v1/']);
    const tail = f.random() < 0.5 ? pathChars(f) : enc(f.pick(BOUNDARY_VALUES)).slice(0, 300);
    const query =
      f.random() < 0.6
        ? `?${['limit', 'offset', 'kind', 'search', 'name', 'exp', 'sig', 'download']
            .filter(() => f.random() < 0.4)
            .map((k) => `${k}=${enc(f.value()).slice(0, 200)}`)
            .join('&')}`
        : '';
    const headers = [`Host: 127.0.0.1:${port}`, 'Connection: close'];
    if (f.random() < 0.8)
      headers.push(
        `Authorization: ${f.random() < 0.7 ? `Bearer ${token}` : `Bearer ${f.chars(20).replace(/[\r\n]/g, '')}`}`,
      );
    if (f.random() < 0.4)
      headers.push(
        `X-Kiln-Filename: ${f.pick(['%', '%E0%A4%A', '..%2F..%2Fetc', 'a%00b', f.chars(30).replace(/[^\x20-\x7e]/g, '')])}`,
      );
    if (f.random() < 0.4)
      headers.push(
        `Content-Type: ${f.pick(['application/json', 'image/png', '', 'x/y; charset=%', 'multipart/form-data; boundary=', '\t'])}`,
      );
    if (f.random() < 0.3)
      headers.push(
        `Range: ${f.pick(['bytes=0-0', 'bytes=-0', 'bytes=9-1', 'bytes=0-1,2-3', 'bytes=x', 'bytes=99999999999999999999-'])}`,
      );
    let body = '';
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      body = f.random() < 0.3 ? '{"a":' : f.chars(200);
      headers.push(
        f.random() < 0.8 ? `Content-Length: ${Buffer.byteLength(body)}` : 'Transfer-Encoding: chunked',
      );
      if (headers.at(-1)!.startsWith('Transfer'))
        body = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    }
    const request = `${method} ${base}${tail}${query} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
    const res = await rawRequest(port, Buffer.from(request, 'utf8'));
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    assert.ok(
      res.status >= 200 && res.status < 500,
      `seed ${SEED} case ${i}: ${res.status}\n${request.slice(0, 500)}\n${res.body.slice(0, 300)}`,
    );
    if (res.status >= 400 && method !== 'HEAD' && res.status !== 400) {
      assert.match(
        res.body,
        /"error":\{"code":"[a-z_]+"/,
        `not in Kiln's envelope: ${res.body.slice(0, 200)}`,
      );
    }
  }
  assert.ok((seen.get(404) ?? 0) > 0 && (seen.get(401) ?? 0) > 0, JSON.stringify([...seen]));
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});
