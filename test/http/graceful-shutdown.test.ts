import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'node:test';
import { startKiln } from '../support/start-kiln.js';

test('shutdown lets an in-flight upload finish, then refuses new connections', async () => {
  const kiln = await startKiln();
  let closed = false;
  try {
    const { apiToken } = await kiln.createAccount();
    const chunks = Array.from({ length: 10 }, () => randomBytes(64 * 1024));
    const whole = Buffer.concat(chunks);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${kiln.url}/kiln/v1/assets?name=slow.bin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiToken}`, 'content-length': String(whole.length) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // Send slowly: the shutdown starts while the body is still arriving.
      let i = 0;
      const tick = () => {
        if (i === chunks.length) return req.end();
        req.write(chunks[i++]);
        setTimeout(tick, 50);
      };
      tick();
    });
    await new Promise((r) => setTimeout(r, 120));
    const closing = kiln.server.close();
    const { status, body } = await response;
    await closing;
    closed = true;
    assert.equal(status, 201);
    assert.equal(JSON.parse(body).sha256, createHash('sha256').update(whole).digest('hex'));
    await assert.rejects(fetch(`${kiln.url}/healthz`));
  } finally {
    if (!closed) await kiln.server.close();
    await kiln.close();
  }
});
