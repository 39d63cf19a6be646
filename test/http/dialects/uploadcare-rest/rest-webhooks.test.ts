import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  createWebhook,
  deleteFile,
  deleteWebhook,
  isRestClientError,
  listOfWebhooks,
  storeFile,
  updateMetadata,
  updateWebhook,
  WebhookEvent,
} from '@uploadcare/rest-client';
import { uploadFile } from '@uploadcare/upload-client';
import { startKiln } from '../../../support/start-kiln.js';
import { type RestHarness, settingsFor, startRest } from './rest-harness.js';

interface Delivery {
  path: string;
  body: any;
}

/** A webhook receiver on loopback: checks X-Uc-Signature, fails the first delivery it gets. */
let receiver: Server;
let receiverUrl: string;
const accepted: Delivery[] = [];
let refused = 0;
const SECRET = 'receiver-secret-1';

let h: RestHarness;
before(async () => {
  h = await startRest();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const expected = `v1=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
      if (req.headers['x-uc-signature'] !== expected) {
        res.writeHead(401).end();
        return;
      }
      if (refused === 0) {
        refused++;
        res.writeHead(500).end();
        return;
      }
      accepted.push({ path: req.url ?? '', body: JSON.parse(raw) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(async () => {
  await h?.kiln.close();
  receiver?.close();
});

const detail = (text: string) => (err: unknown) => isRestClientError(err) && err.message.includes(text);

async function waitFor<T>(check: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('webhook CRUD through the client', async () => {
  const hook = await createWebhook(
    {
      targetUrl: `${receiverUrl}/crud`,
      event: WebhookEvent.FILE_UPLOADED,
      isActive: true,
      signingSecret: 's',
    },
    h.signed,
  );
  assert.equal(typeof hook.id, 'number');
  assert.equal(hook.targetUrl, `${receiverUrl}/crud`);
  assert.equal(hook.event, 'file.uploaded');
  assert.equal(hook.isActive, true);
  assert.equal(hook.version, '0.7');
  await assert.rejects(
    createWebhook({ targetUrl: `${receiverUrl}/crud`, event: WebhookEvent.FILE_UPLOADED }, h.signed),
    detail('already subscribed'),
  );
  const updated = await updateWebhook(
    { id: hook.id, isActive: false, event: 'file.stored' as WebhookEvent },
    h.simple,
  );
  assert.equal(updated.isActive, false);
  assert.equal(updated.event, 'file.stored');
  assert.deepEqual(
    (await listOfWebhooks({}, h.signed)).map((w) => w.id),
    [hook.id],
  );
  await deleteWebhook({ targetUrl: `${receiverUrl}/crud` }, h.signed);
  assert.deepEqual(await listOfWebhooks({}, h.signed), []);
  await assert.rejects(updateWebhook({ id: hook.id, isActive: true }, h.signed), detail('Not found.'));
  await assert.rejects(
    createWebhook({ targetUrl: 'ftp://x/', event: WebhookEvent.FILE_UPLOADED }, h.signed),
    detail('target_url'),
  );
});

test('events from every change, signed, each seen exactly once though the first delivery fails', async () => {
  for (const event of ['file.uploaded', 'file.stored', 'file.deleted', 'file.info_updated'] as const) {
    await createWebhook(
      { targetUrl: `${receiverUrl}/${event}`, event: event as WebhookEvent, signingSecret: SECRET },
      h.signed,
    );
  }
  // An inactive hook hears nothing.
  await createWebhook(
    {
      targetUrl: `${receiverUrl}/inactive`,
      event: WebhookEvent.FILE_UPLOADED,
      isActive: false,
      signingSecret: SECRET,
    },
    h.signed,
  );
  const up = await uploadFile(Buffer.from('hooked'), { ...h.upload, store: false, fileName: 'h.txt' });
  await storeFile({ uuid: up.uuid }, h.signed);
  await updateMetadata({ uuid: up.uuid, key: 'pet', value: 'cat' }, h.signed);
  await deleteFile({ uuid: up.uuid }, h.signed);
  // Deleted through Kiln's own API: the same event, from the same place.
  const other = await uploadFile(Buffer.from('kiln api delete'), h.upload);
  const del = await fetch(`${h.kiln.url}/kiln/v1/assets/${other.uuid}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${h.account.apiToken}` },
  });
  assert.ok(del.ok, String(del.status));

  const byPath = (p: string) => accepted.filter((d) => d.path === p);
  await waitFor(() => (accepted.length >= 6 ? true : undefined));
  assert.equal(refused, 1);
  const uploaded = byPath('/file.uploaded').find((d) => d.body.data.uuid === up.uuid)!.body;
  assert.equal(uploaded.hook.event, 'file.uploaded');
  assert.equal(uploaded.hook.project_pub_key, h.account.uploadcare.publicKey);
  assert.equal(uploaded.hook.target, `${receiverUrl}/file.uploaded`);
  assert.equal(uploaded.initiator.type, 'api');
  assert.equal(uploaded.data.uuid, up.uuid);
  assert.equal(uploaded.data.datetime_stored, null);
  assert.equal(uploaded.file, `${h.kiln.url}/${up.uuid}/h.txt`);
  const stored = byPath('/file.stored')[0]!.body;
  assert.ok(stored.data.datetime_stored);
  const updated = byPath('/file.info_updated')[0]!.body;
  assert.deepEqual(updated.data.metadata, { pet: 'cat' });
  assert.deepEqual(updated.previous_values, { metadata: {} });
  const deleted = byPath('/file.deleted').find((d) => d.body.data.uuid === up.uuid)!.body;
  assert.ok(deleted.data.datetime_removed);
  assert.equal(deleted.data.original_file_url, null);
  assert.ok(byPath('/file.deleted').some((d) => d.body.data.uuid === other.uuid));

  // Give retries time to show any duplicate.
  await new Promise((r) => setTimeout(r, 2500));
  assert.deepEqual(accepted.map((d) => d.path).sort(), [
    '/file.deleted',
    '/file.deleted',
    '/file.info_updated',
    '/file.stored',
    '/file.uploaded',
    '/file.uploaded',
  ]);
});

test('a delivery under way when Kiln stops is made, once, by the next Kiln on the same data', async () => {
  const seen: string[] = [];
  let hang = true;
  const hung: Array<() => void> = [];
  const slow = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (hang) {
        hang = false;
        hung.push(() => res.destroy());
        return; // never answers: the delivery is in flight when Kiln stops
      }
      seen.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).data.uuid);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const target = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
  const first = await startKiln({ env: { KILN_ALLOW_PRIVATE_FETCH: '1' } });
  let second: Awaited<ReturnType<typeof startKiln>> | undefined;
  try {
    const creds = await first.createAccount();
    const one = settingsFor(first, creds);
    await createWebhook({ targetUrl: target, event: WebhookEvent.FILE_UPLOADED }, one.signed);
    const up = await uploadFile(Buffer.from('restart'), one.upload);
    await waitFor(() => (hung.length > 0 ? true : undefined));
    await first.server.close();
    second = await startKiln({ sharedWith: first });
    const id = await waitFor(() => seen[0]);
    assert.equal(id, up.uuid);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(seen, [up.uuid]);
  } finally {
    for (const h of hung) h();
    await second?.close();
    await first.close().catch(() => {});
    slow.close();
  }
});
