/**
 * Uploadcare REST webhooks follow the same address rules as every outbound connection: a target
 * that points only at private addresses is refused when saved (through @uploadcare/rest-client),
 * and a delivery connects to the address that was checked, never to a second DNS answer.
 * No connection leaves loopback: names are answered by resolvers given to Kiln.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createWebhook, deleteWebhook, listOfWebhooks, WebhookEvent } from '@uploadcare/rest-client';
import type { Resolver } from '../../src/core/fetch/check-url.js';
import type { JobContext } from '../../src/core/jobs/job-queue.js';
import type { UcWebhookPayload } from '../../src/core/uploadcare/file-events.js';
import { deliverUcWebhook } from '../../src/core/uploadcare/webhook-delivery.js';
import { createWebhook as saveWebhook } from '../../src/core/uploadcare/webhooks.js';
import { settingsFor } from '../http/dialects/uploadcare-rest/rest-harness.js';
import { startKiln } from '../support/start-kiln.js';

const TABLE: Record<string, string[]> = {
  'private.test': ['10.0.0.5'],
  'mixed.test': ['93.184.216.34', '192.168.1.9'],
  'public.test': ['93.184.216.34'],
};
const tableResolver: Resolver = async (host) => TABLE[host] ?? [];

test('a webhook target that reaches only private addresses is refused when saved', async () => {
  const kiln = await startKiln({ resolver: tableResolver });
  try {
    const account = await kiln.createAccount();
    const { signed } = settingsFor(kiln, account);
    for (const target of [
      'http://10.0.0.1/hook',
      'http://[::127.0.0.1]/hook',
      'http://2130706433/hook',
      'http://private.test/hook',
      'https://mixed.test/hook',
    ]) {
      await assert.rejects(
        createWebhook({ targetUrl: target, event: WebhookEvent.FILE_UPLOADED, isActive: true }, signed),
        (e: Error) => /public address/.test(e.message),
        target,
      );
    }
    // A public target is saved (no connection: nothing is uploaded, so nothing is sent), then removed.
    const hook = await createWebhook(
      { targetUrl: 'https://public.test/hook', event: 'file.infected' as WebhookEvent, isActive: true },
      signed,
    );
    await deleteWebhook({ targetUrl: hook.targetUrl }, signed);
    assert.deepEqual(await listOfWebhooks({}, signed), []);
  } finally {
    await kiln.close();
  }
});

test('a delivery connects to the address that was checked, not to a second DNS answer', async () => {
  const seen = new Set<string>();
  const rebinding: Resolver = async (host) => {
    if (seen.has(host)) return ['127.0.0.2'];
    seen.add(host);
    return ['127.0.0.1'];
  };
  const hits = { checked: 0, rebound: 0 };
  const make = (which: 'checked' | 'rebound') =>
    createServer((_req, res) => {
      hits[which]++;
      res.end('ok');
    });
  const first = make('checked');
  await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
  const port = (first.address() as AddressInfo).port;
  const second = make('rebound');
  await new Promise<void>((r) => second.listen(port, '127.0.0.2', r));
  const kiln = await startKiln({ resolver: rebinding, env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
  try {
    const account = await kiln.createAccount();
    const runtime = kiln.server.runtime;
    const hook = await saveWebhook(runtime, account.id, {
      target_url: `http://hook.test:${port}/uc`,
      event: 'file.uploaded',
    });
    for (let i = 0; i < 3; i++) {
      seen.clear(); // each delivery: the first answer is 127.0.0.1, any second one 127.0.0.2
      const job = {
        id: `j${i}`,
        kind: 'uploadcare.webhook',
        payload: { accountId: account.id, webhookId: hook.id, body: '{}' },
        attempt: 1,
        maxAttempts: 1,
        signal: new AbortController().signal,
      } as unknown as JobContext<UcWebhookPayload>;
      await deliverUcWebhook(runtime, job);
    }
    assert.equal(hits.checked, 3, 'every delivery went to the checked address');
    assert.equal(hits.rebound, 0, 'no delivery reached an address that was not checked');
  } finally {
    await kiln.close();
    await Promise.all([first, second].map((s: Server) => new Promise<void>((r) => s.close(() => r()))));
  }
});
