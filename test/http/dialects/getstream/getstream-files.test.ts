import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { connect } from 'getstream';
import { signHs256 } from '../../../../src/core/signing/jwt.js';
import { cdnUrl, parseCdnUrl } from '../../../../src/http/dialects/getstream/cdn-links.js';
import {
  asUpload,
  fetchBytes,
  rejection,
  type StreamTestbed,
  startStreamTestbed,
} from './getstream-support.js';

let t: StreamTestbed;
before(async () => {
  t = await startStreamTestbed();
});
after(() => t.kiln.close());

const DAY = 24 * 3600;

test('files.upload streams a file; the link has Expires (+14 days), Signature, Key-Pair-Id and serves the bytes', async () => {
  const body = Buffer.from('hello world\n');
  const res = await t.alice.files.upload(asUpload(Readable.from([body])), 'hello.txt');
  assert.deepEqual(Object.keys(res).sort(), ['duration', 'file']);
  assert.match(res.duration ?? '', /^\d+(\.\d+)?ms$/);
  assert.ok(res.file.startsWith(`${t.kiln.url}/`), res.file);
  assert.ok(res.file.includes('hello.txt?'), res.file);
  const url = new URL(res.file);
  const expires = Number(url.searchParams.get('Expires'));
  assert.ok(Math.abs(expires - (Date.now() / 1000 + 14 * DAY)) < 60, `Expires ${expires}`);
  assert.ok(url.searchParams.get('Signature'));
  assert.match(url.searchParams.get('Key-Pair-Id') ?? '', /^APKA[0-9A-F]{16}$/);

  const got = await fetchBytes(res.file);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, body);
  assert.match(got.headers.get('content-disposition') ?? '', /^attachment; filename="hello.txt"/);
});

test('altered, unsigned and enumerated links are refused with 403', async () => {
  const { file } = await t.alice.files.upload(Buffer.from('secret'), 'a.txt');
  const url = new URL(file);
  const sig = url.searchParams.get('Signature')!;
  const flipped = new URL(file);
  flipped.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
  const later = new URL(file);
  later.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 1000));
  const otherKey = new URL(file);
  otherKey.searchParams.set('Key-Pair-Id', 'APKA0000000000000000');
  const guessed = new URL(file);
  guessed.pathname = guessed.pathname.replace(/[0-9a-f]{8}-/, '00000000-');
  const bare = `${url.origin}${url.pathname}`;
  for (const bad of [flipped.toString(), later.toString(), otherKey.toString(), guessed.toString(), bare]) {
    const res = await fetch(bad);
    assert.equal(res.status, 403, bad);
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(json.status_code, 403);
    assert.equal(json.exception, 'NotAllowedException');
  }
});

test('an expired link is refused (403), and refresh/ hands out a fresh one that works', async () => {
  const { file } = await t.alice.files.upload(Buffer.from('refresh me'), 'r.txt');
  const runtime = t.kiln.server.runtime;
  const asset = await runtime.assets.get(t.creds.id, parseCdnUrl(file)!.assetId);
  // The same signing function and key the server uses, with an Expires in the past.
  const expired = cdnUrl(runtime, asset, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
  assert.equal((await fetch(expired)).status, 403);

  // The legacy refresh call as getstream 7.1-7.2 sent it (no 8.x method exists).
  const refresh = async (url: string, token: string, endpoint = 'files') => {
    const res = await fetch(
      `${t.kiln.url}/api/v1.0/${endpoint}/refresh/?api_key=${t.creds.stream.apiKey}&location=unspecified`,
      {
        method: 'POST',
        headers: { authorization: token, 'stream-auth-type': 'jwt', 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      },
    );
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  const aliceToken = t.server.createUserToken('alice');
  const fresh = await refresh(expired, aliceToken);
  assert.equal(fresh.status, 200);
  assert.deepEqual(Object.keys(fresh.json).sort(), ['duration', 'url']);
  assert.notEqual(fresh.json.url, expired);
  const got = await fetchBytes(fresh.json.url);
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), 'refresh me');
  // A link with plenty of time left comes back unchanged (Stream's own test expects that).
  assert.equal((await refresh(file, aliceToken)).json.url, file);
  // Only the owner (or the server) may refresh.
  assert.equal((await refresh(expired, t.server.createUserToken('bob'))).status, 403);
  assert.equal((await refresh(expired, t.server.getOrCreateToken(), 'images')).status, 200);
});

test('uploads over 10 MB get 413 in Stream error JSON, for a known length and for a chunked stream; nothing is stored', async () => {
  const runtime = t.kiln.server.runtime;
  const before = await runtime.assets.storedBytes(t.creds.id);
  const big = await rejection(t.alice.files.upload(Buffer.alloc(10 * 1024 * 1024 + 1024), 'big.bin'));
  assert.equal(big.status, 413);
  assert.equal(big.name, 'StreamApiError');
  assert.equal(big.body.status_code, 413);
  assert.equal(big.body.code, 18);

  async function* chunks() {
    for (let i = 0; i < 12; i++) yield Buffer.alloc(1024 * 1024, i);
  }
  const chunked = await rejection(t.alice.files.upload(asUpload(Readable.from(chunks())), 'big-stream.bin'));
  assert.equal(chunked.status, 413);
  assert.equal(chunked.body.status_code, 413);

  const image = await rejection(t.alice.images.upload(asUpload(Readable.from(chunks())), 'big.jpg'));
  assert.equal(image.status, 400, 'noise is refused as a non-image before its size matters');

  assert.equal(await runtime.assets.storedBytes(t.creds.id), before);
  const blobs: string[] = [];
  for await (const b of runtime.blobs.list(`a/${t.creds.id}/`)) blobs.push(b.key);
  const assets = await runtime.assets.list({ accountId: t.creds.id, limit: 1000 });
  assert.equal(blobs.length, assets.length, 'no blob without its asset');

  // Exactly at the limit is fine.
  const exact = await t.alice.files.upload(randomBytes(10 * 1024 * 1024), 'exact.bin');
  assert.equal((await fetchBytes(exact.file)).body.length, 10 * 1024 * 1024);
});

test('images/ refuses a non-image, judged from the bytes', async () => {
  const noise = await rejection(t.alice.images.upload(randomBytes(256 * 1024), 'helloworld.txt'));
  assert.equal(noise.status, 400);
  assert.equal(noise.body.detail, 'File type application/octet-stream is not supported');
  assert.equal(noise.body.exception, 'InputException');
  const text = await rejection(t.alice.images.upload(Buffer.from('just text'), 'fake.png'));
  assert.equal(text.status, 400);
});

test('an upload without a file name still gets a working link', async () => {
  const { file } = await t.server.files.upload(Buffer.from('abc'));
  assert.equal((await fetchBytes(file)).body.toString(), 'abc');
});

test('delete by URL: the link stops working, a second delete is 404; others may not delete', async () => {
  const { file } = await t.alice.files.upload(Buffer.from('to delete'), 'gone.txt');
  const bob = await rejection(t.bob.files.delete(file));
  assert.equal(bob.status, 403);
  assert.equal(bob.body.code, 17);
  assert.equal(bob.body.exception, 'NotAllowedException');

  const res = await t.alice.files.delete(file);
  assert.deepEqual(Object.keys(res), ['duration']);
  const again = await rejection(t.alice.files.delete(file));
  assert.equal(again.status, 404);
  assert.equal(again.body.exception, 'DoesNotExistException');
  assert.equal((await fetch(file)).status, 404);

  // The server token may delete anyone's upload, through either endpoint.
  const other = await t.bob.files.upload(Buffer.from('bob'), 'bob.txt');
  await t.server.images.delete(other.file);
  assert.equal((await fetch(other.file)).status, 404);
  assert.equal((await rejection(t.server.files.delete(`${t.kiln.url}/nowhere/x.txt`))).status, 404);
});

test('auth errors: wrong secret, no token, unknown api_key, a narrower scope token', async () => {
  const key = t.creds.stream.apiKey;
  const wrong = connect(key, await signHs256({ user_id: 'mallory' }, 'wrong'), undefined, t.options);
  const bad = await rejection(wrong.files.upload(Buffer.from('x'), 'x.txt'));
  assert.deepEqual([bad.status, bad.body.detail, bad.body.code], [403, 'signature is invalid', 17]);

  const anonymous = connect(key, null, undefined, t.options);
  const none = await rejection(anonymous.files.upload(Buffer.from('x'), 'x.txt'));
  assert.deepEqual([none.status, none.body.detail], [403, 'Missing auth header.']);

  const unknown = connect('nokey', t.creds.stream.apiSecret, undefined, t.options);
  const nokey = await rejection(unknown.files.upload(Buffer.from('x'), 'x.txt'));
  assert.deepEqual([nokey.status, nokey.body.code, nokey.body.exception], [401, 2, 'ApiKeyException']);

  // Java/Dart-style scope tokens: resource "files", action per call.
  const readOnly = await signHs256(
    { resource: 'files', action: 'read', feed_id: '*' },
    t.creds.stream.apiSecret,
  );
  const res = await fetch(`${t.kiln.url}/api/v1.0/files/?api_key=${key}`, {
    method: 'DELETE',
    headers: { authorization: readOnly, 'stream-auth-type': 'jwt' },
  });
  assert.equal(res.status, 403);

  const expired = connect(
    key,
    await signHs256({ user_id: 'alice', exp: 1000 }, t.creds.stream.apiSecret),
    undefined,
    t.options,
  );
  assert.equal((await rejection(expired.files.upload(Buffer.from('x'), 'x.txt'))).status, 403);

  const missing = await fetch(`${t.kiln.url}/api/v1.0/nothing/?api_key=${key}`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as Record<string, unknown>).exception, 'DoesNotExistException');
});

test('STREAM_BASE_URL works too (no urlOverride)', async () => {
  const saved = process.env.STREAM_BASE_URL;
  process.env.STREAM_BASE_URL = `${t.kiln.url}/api/`;
  try {
    const client = connect(t.creds.stream.apiKey, t.creds.stream.apiSecret);
    const { file } = await client.files.upload(Buffer.from('env'), 'env.txt');
    assert.equal((await fetchBytes(file)).body.toString(), 'env');
  } finally {
    if (saved === undefined) delete process.env.STREAM_BASE_URL;
    else process.env.STREAM_BASE_URL = saved;
  }
});
