import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

let kiln: TestKiln;
let token: string;
const auth = () => ({ authorization: `Bearer ${token}` });

before(async () => {
  kiln = await startKiln({ env: { KILN_MAX_UPLOAD_BYTES: String(3 * 1024 * 1024) } });
  token = (await kiln.createAccount()).apiToken;
});
after(() => kiln.close());

async function upload(body: Buffer, name = 'data.bin', type = 'application/octet-stream') {
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': type },
    body: new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

test('upload streams into the store; the signed URL serves the exact bytes with caching headers', async () => {
  const body = randomBytes(1024 * 1024 + 17);
  const { status, json } = await upload(body, 'report final.bin');
  assert.equal(status, 201);
  assert.equal(json.size, body.length);
  assert.equal(json.sha256, createHash('sha256').update(body).digest('hex'));
  assert.ok(json.url.startsWith(`${kiln.url}/files/`), json.url);

  const res = await fetch(json.url);
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.ok(res.headers.get('etag'));
  assert.ok(res.headers.get('last-modified'));
  assert.match(res.headers.get('cache-control') ?? '', /max-age/);
  assert.match(res.headers.get('content-disposition') ?? '', /inline/);

  const ranged = await fetch(json.url, { headers: { range: 'bytes=100-199' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 100-199/${body.length}`);
  assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), body.subarray(100, 200));

  const suffix = await fetch(json.url, { headers: { range: 'bytes=-10' } });
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), body.subarray(body.length - 10));

  const bad = await fetch(json.url, { headers: { range: `bytes=${body.length + 5}-` } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get('content-range'), `bytes */${body.length}`);

  const cached = await fetch(json.url, { headers: { 'if-none-match': res.headers.get('etag')! } });
  assert.equal(cached.status, 304);

  const head = await fetch(json.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(body.length));
});

test('content type is sniffed from the bytes, not trusted from the client', async () => {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  const { json } = await upload(png, 'dot.txt', 'text/plain');
  assert.equal(json.contentType, 'image/png');
  assert.equal(json.kind, 'image');
});

test('a signed link that is altered or expired is refused with 403', async () => {
  const { json } = await upload(randomBytes(100));
  const url = new URL(json.url);
  const tampered = new URL(url);
  tampered.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 1000));
  assert.equal((await fetch(tampered)).status, 403);
  const otherId = new URL(url);
  otherId.pathname = url.pathname.replace(json.id, '00000000-0000-4000-8000-000000000000');
  assert.equal((await fetch(otherId)).status, 403);
  const unsigned = new URL(url);
  unsigned.search = '';
  assert.equal((await fetch(unsigned)).status, 403);
});

test('a body over the limit gets a clear 413 and leaves no row and no blob', async () => {
  const before = (await (await fetch(`${kiln.url}/kiln/v1/account`, { headers: auth() })).json()) as any;
  // Declared length over the limit: refused before reading.
  const declared = await upload(randomBytes(3 * 1024 * 1024 + 1));
  assert.equal(declared.status, 413);
  assert.equal(declared.json.error.code, 'payload_too_large');
  // No declared length (chunked): refused mid-stream.
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ === 8) controller.close();
      else controller.enqueue(new Uint8Array(randomBytes(512 * 1024)));
    },
  });
  const res = await fetch(`${kiln.url}/kiln/v1/assets`, {
    method: 'POST',
    headers: auth(),
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 413);
  const after = (await (await fetch(`${kiln.url}/kiln/v1/account`, { headers: auth() })).json()) as any;
  assert.equal(after.assets, before.assets);
  assert.equal(after.storedBytes, before.storedBytes);
  assert.deepEqual(await listBlobs(), await listBlobs());
  assert.equal((await listBlobs()).filter((k) => k.includes('.tmp')).length, 0);
});

test('a client that disconnects mid-upload leaves nothing behind', async () => {
  const blobsBefore = await listBlobs();
  await new Promise<void>((resolve) => {
    const req = httpRequest(`${kiln.url}/kiln/v1/assets`, {
      method: 'POST',
      headers: { ...auth(), 'content-length': String(2 * 1024 * 1024) },
    });
    req.on('error', () => resolve());
    req.write(randomBytes(256 * 1024));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 200);
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await listBlobs(), blobsBefore);
});

test('list, get and delete; another account sees none of it', async () => {
  const { json } = await upload(randomBytes(10), 'findme-unique.bin');
  const list = (await (
    await fetch(`${kiln.url}/kiln/v1/assets?search=findme`, { headers: auth() })
  ).json()) as any;
  assert.deepEqual(
    list.assets.map((a: any) => a.id),
    [json.id],
  );

  const other = await kiln.createAccount();
  const otherAuth = { authorization: `Bearer ${other.apiToken}` };
  assert.equal((await fetch(`${kiln.url}/kiln/v1/assets/${json.id}`, { headers: otherAuth })).status, 404);
  assert.equal(
    (await fetch(`${kiln.url}/kiln/v1/assets/${json.id}`, { method: 'DELETE', headers: otherAuth })).status,
    404,
  );

  assert.equal((await fetch(`${kiln.url}/kiln/v1/assets/${json.id}`, { headers: auth() })).status, 200);
  assert.equal(
    (await fetch(`${kiln.url}/kiln/v1/assets/${json.id}`, { method: 'DELETE', headers: auth() })).status,
    204,
  );
  assert.equal((await fetch(`${kiln.url}/kiln/v1/assets/${json.id}`, { headers: auth() })).status, 404);
  assert.equal((await fetch(json.url)).status, 404);
  // The purge job removes the bytes.
  const deadline = Date.now() + 10_000;
  while ((await listBlobs()).some((k) => k.includes(json.id)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(!(await listBlobs()).some((k) => k.includes(json.id)));
});

test("requests without a valid token get 401 in Kiln's envelope", async () => {
  const res = await fetch(`${kiln.url}/kiln/v1/assets`);
  assert.equal(res.status, 401);
  const body = (await res.json()) as any;
  assert.equal(body.error.code, 'unauthorized');
  assert.equal(
    (await fetch(`${kiln.url}/kiln/v1/assets`, { headers: { authorization: 'Bearer nope' } })).status,
    401,
  );
});

test('/healthz answers 200 and /metrics is Prometheus text with request, queue and storage metrics', async () => {
  const health = await fetch(`${kiln.url}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await fetch(`${kiln.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
  const text = await metrics.text();
  assert.match(text, /kiln_http_requests_total\{/);
  assert.match(text, /kiln_http_request_duration_seconds_bucket/);
  assert.match(text, /kiln_job_queue_depth/);
  assert.match(text, /kiln_stored_bytes \d+/);
});

async function listBlobs(): Promise<string[]> {
  const keys: string[] = [];
  for await (const b of kiln.server.runtime.blobs.list('')) keys.push(b.key);
  return keys.sort();
}
