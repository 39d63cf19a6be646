import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { filesUnder } from '../support/kiln-cluster.js';
import { rawRequest } from '../support/raw-http.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { scaleOut } from '../support/test-database.js';

// Clients that hold connections hostage: giant headers, headers sent byte by byte (slowloris), a
// body that stops halfway. Timeouts are shortened to 1 s so the test sees them fire.
let kiln: TestKiln;
let port: number;
let token: string;

before(async () => {
  kiln = await startKiln({ env: { KILN_HEADERS_TIMEOUT_SECONDS: '1', KILN_IDLE_TIMEOUT_SECONDS: '1' } });
  port = Number(new URL(kiln.url).port);
  token = (await kiln.createAccount()).apiToken;
});
after(() => kiln.close());

/** Resolves with the ms until the server closed the socket. */
function closedAfter(socket: Socket, started: number): Promise<number> {
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

test('huge headers get 431 from Node and the server keeps serving', async () => {
  const res = await rawRequest(
    port,
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(res.status, 431);
  const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n');
  assert.equal(
    (await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\nConnection: close\r\n\r\n`))
      .status,
    431,
  );
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});

test('slowloris: a client trickling its headers is cut off by the headers timeout', async () => {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const started = Date.now();
  const closed = closedAfter(socket, started);
  let answer = '';
  socket.on('data', (c) => (answer += c.toString('latin1')));
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const header = 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  let i = 0;
  // One byte every 100 ms: never idle long enough for the idle timeout, so only the headers timeout can stop it.
  const trickle = setInterval(() => {
    if (!socket.destroyed) socket.write(header[i++ % header.length]!);
  }, 100);
  const ms = await closed;
  clearInterval(trickle);
  assert.ok(ms < 4000, `connection held for ${ms} ms`);
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});

test('an abandoned upload (half a body, then silence) is dropped by the idle timeout and leaves nothing behind', async () => {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const started = Date.now();
  const closed = closedAfter(socket, started);
  // The client reads: the server answers the stalled body (408) before closing, and unread answer
  // bytes would keep this end of the socket from ever seeing the close.
  let answer = '';
  socket.on('data', (c) => (answer += c.toString('latin1')));
  const total = 4 * 1024 * 1024;
  socket.write(
    `POST /kiln/v1/assets?name=half.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(total / 2, 7));
  const ms = await closed;
  assert.ok(ms < 5000, `connection held for ${ms} ms`);
  assert.match(answer, /^HTTP\/1\.1 408 [\s\S]*"code":"timeout"/);
  // The ingest notices the dead body and removes its temp file; give it a moment to finish.
  await new Promise((r) => setTimeout(r, 300));
  const list = await fetch(`${kiln.url}/kiln/v1/assets`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(((await list.json()) as { total: number }).total, 0);
  if (!scaleOut) {
    const left = filesUnder(kiln.dataDir).filter((f) => !/^kiln\.db|^master\.key$/.test(f));
    assert.deepEqual(left, []);
  }
  assert.equal((await fetch(`${kiln.url}/healthz`)).status, 200);
});
