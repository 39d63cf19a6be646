import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { fetchReasonOf } from '../../../src/core/fetch/fetch-error.js';
import { safeFetch } from '../../../src/core/fetch/safe-fetch.js';

// End-to-end on loopback only: 127.0.0.1 and names resolving to it.
let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/file.txt') {
      res.setHeader('content-type', 'text/plain');
      res.end('hello world');
    } else if (url.pathname === '/named') {
      res.setHeader('content-disposition', 'attachment; filename="report.pdf"');
      res.end('pdf');
    } else if (url.pathname.startsWith('/hop/')) {
      const n = Number(url.pathname.split('/')[2]);
      res.statusCode = 302;
      res.setHeader('location', n > 0 ? `/hop/${n - 1}` : '/file.txt');
      res.end();
    } else if (url.pathname === '/to-meta') {
      res.statusCode = 302;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      res.end();
    } else if (url.pathname === '/big') {
      res.write(Buffer.alloc(64 * 1024));
      res.end(Buffer.alloc(64 * 1024));
    } else if (url.pathname === '/slow') {
      res.write('x');
      setTimeout(() => res.end('y'), 3000).unref();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const open = { allowPrivate: true, maxBytes: 100_000, timeoutMs: 2000 };

async function reasonOf(p: Promise<unknown>) {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return fetchReasonOf(err) ?? String(err);
  }
}

test('fetches the body, its type and a filename from the path or Content-Disposition', async () => {
  const r = await safeFetch(`${base}/file.txt`, open);
  assert.equal(await text(r.body), 'hello world');
  assert.equal(r.contentType, 'text/plain');
  assert.equal(r.filename, 'file.txt');
  const named = await safeFetch(`${base}/named`, open);
  assert.equal(named.filename, 'report.pdf');
  await text(named.body);
});

test('loopback is refused unless private fetches are allowed, and the refusal opens no connection', async () => {
  let connections = 0;
  server.on('connection', () => connections++);
  assert.equal(await reasonOf(safeFetch(`${base}/file.txt`, { ...open, allowPrivate: false })), 'private_ip');
  const viaName = `http://localhost.test:${new URL(base).port}/file.txt`;
  assert.equal(
    await reasonOf(safeFetch(viaName, { ...open, allowPrivate: false, resolver: async () => ['127.0.0.1'] })),
    'private_ip',
  );
  assert.equal(connections, 0);
  const ok = await safeFetch(viaName, { ...open, resolver: async () => ['127.0.0.1'] });
  assert.equal(await text(ok.body), 'hello world');
});

test('redirects are followed up to the limit, each hop checked again', async () => {
  const r = await safeFetch(`${base}/hop/2`, open);
  assert.equal(await text(r.body), 'hello world');
  assert.equal(r.url, `${base}/file.txt`);
  assert.equal(await reasonOf(safeFetch(`${base}/hop/9`, { ...open, maxRedirects: 3 })), 'redirects');
  // A public-looking start that redirects to the metadata service: refused at the hop, no connection to it.
  assert.equal(
    await reasonOf(
      safeFetch(`${base}/to-meta`, { ...open, allowPrivate: false, resolver: async () => ['127.0.0.1'] }),
    ),
    'private_ip',
  );
});

test('size, time and status limits', async () => {
  const big = await safeFetch(`${base}/big`, { ...open, maxBytes: 100_000 });
  assert.equal(await reasonOf(text(big.body)), 'too_large');
  assert.equal(
    await reasonOf(safeFetch(`${base}/slow`, { ...open, timeoutMs: 300 }).then((r) => text(r.body))),
    'timeout',
  );
  assert.equal(await reasonOf(safeFetch(`${base}/missing`, open)), 'http_status');
});
