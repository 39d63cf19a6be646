import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { pushLive } from '../http/dialects/cloudflare-stream/live-support.js';
import { type ConnectGuard, guardConnections } from '../support/connect-guard.js';
import { freePort } from '../support/free-port.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// A restream output is dialled at the address Kiln checked, not at whatever ffmpeg would resolve
// the name to itself. Kiln's resolver says `localhost` is 127.0.0.2; the system (/etc/hosts, no
// DNS query) says 127.0.0.1. Both addresses listen on the same port and count connections.

let guard: ConnectGuard;
let kiln: TestKiln;
let creds: AccountCredentials;
before(async () => {
  guard = guardConnections();
  kiln = await startKiln({
    resolver: async (host) => (host === 'localhost' ? ['127.0.0.2'] : []),
    env: { KILN_RTMP_PORT: String(await freePort()), KILN_LIVE_PORTS: '1', KILN_ALLOW_PRIVATE_FETCH: '1' },
  });
  creds = await kiln.createAccount();
});
after(async () => {
  await kiln?.close();
  guard?.uninstall();
});

function counter(host: string, port: number): Promise<{ server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((socket) => {
    hits++;
    socket.destroy();
  });
  return new Promise((resolve, reject) =>
    server.once('error', reject).listen(port, host, () => resolve({ server, hits: () => hits })),
  );
}

test('restream: ffmpeg connects to the checked address, not a second lookup of the name', async () => {
  const port = await freePort();
  const system = await counter('127.0.0.1', port);
  const checked = await counter('127.0.0.2', port);
  try {
    const cf = (path: string, body: unknown) =>
      fetch(`${kiln.url}/client/v4/accounts/${creds.id}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.apiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ result: Record<string, unknown> }>);
    const input = (await cf('/stream/live_inputs', {})).result as {
      uid: string;
      rtmps: { url: string; streamKey: string };
    };
    await cf(`/stream/live_inputs/${input.uid}/outputs`, {
      url: `rtmp://localhost:${port}/app`,
      streamKey: 'k',
    });
    await new Promise((r) => setTimeout(r, 2500)); // the listener picks up the output
    await pushLive(`${input.rtmps.url}${input.rtmps.streamKey}`, 'flv', 3);
    assert.ok(checked.hits() > 0, 'the restream reached the checked address 127.0.0.2');
    assert.equal(system.hits(), 0, 'nothing went to the address of a second lookup');
  } finally {
    for (const s of [system.server, checked.server]) s.close();
  }
  assert.deepEqual(guard.refused, []);
});
