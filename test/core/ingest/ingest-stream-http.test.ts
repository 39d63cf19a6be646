import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobStore } from '../../../src/core/blobs/blob-store.js';
import { isKilnError } from '../../../src/core/errors/kiln-error.js';
import { type IngestResult, ingestStream } from '../../../src/core/ingest/ingest-stream.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';

/**
 * ingestStream on a real HTTP request body (node:http on loopback): the limit must still let the
 * server answer 413, and a client that disconnects mid-upload must leave nothing behind.
 */
describe('ingestStream over HTTP', () => {
  let blobs: TestBlobStore;
  let store: BlobStore;
  let server: http.Server;
  let port: number;
  const outcomes: Array<IngestResult | Error> = [];

  before(async () => {
    blobs = await openTestBlobStore();
    store = blobs.store;
    server = http.createServer(async (req, res) => {
      try {
        const result = await ingestStream(store, `up/${outcomes.length}`, req, { maxBytes: 1024 * 1024 });
        outcomes.push(result);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      } catch (err) {
        outcomes.push(err as Error);
        const status = isKilnError(err) ? err.status : 500;
        // No `Connection: close`: Node would reset the socket right after the answer, and a client
        // still sending could see the reset instead of the 413. The drained body is discarded.
        if (!res.destroyed) res.writeHead(status).end(String(err));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    await blobs.close();
  });

  it('answers 413 while the client is still sending, and stores nothing', async () => {
    outcomes.length = 0;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' });
    let sent = 0;
    let stop = false;
    req.on('error', () => {}); // the server closes the connection after its answer
    const responded = once(req, 'response');
    const writing = (async () => {
      while (!stop && !req.destroyed && sent < 64 * 1024 * 1024) {
        const ok = req.write(randomBytes(64 * 1024));
        sent += 64 * 1024;
        if (!ok) await Promise.race([once(req, 'drain'), sleep(200)]).catch(() => {});
      }
    })();
    const [res] = (await responded) as [http.IncomingMessage];
    stop = true;
    assert.equal(res.statusCode, 413);
    assert.ok(sent < 64 * 1024 * 1024, 'the answer came before the whole body was sent');
    req.destroy();
    await writing;
    assert.deepEqual(await blobs.remains(), []);
  });

  it('leaves nothing when the client disconnects mid-upload, and keeps serving', async () => {
    outcomes.length = 0;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' });
    req.on('error', () => {});
    req.write(randomBytes(256 * 1024));
    await sleep(100);
    req.destroy();
    while (outcomes.length === 0) await sleep(10);
    const outcome = outcomes[0]!;
    assert.ok(isKilnError(outcome), String(outcome));
    assert.equal(outcome.details.reason, 'body_interrupted');
    assert.deepEqual(await blobs.remains(), []);

    const ok = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: randomBytes(1000) });
    assert.equal(ok.status, 201);
    assert.equal(((await ok.json()) as IngestResult).size, 1000);
  });
});
