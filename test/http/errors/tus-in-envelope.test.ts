import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Server } from '@tus/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { ResumableUploadStore } from '../../../src/core/ingest/resumable-upload-store.js';
import { renderKilnError } from '../../../src/http/errors/error-handler.js';
import { handleTusInEnvelope, mapTusError } from '../../../src/http/errors/tus-in-envelope.js';
import { resumableTusRecords } from '../../../src/http/kiln-api/resumable-tus-records.js';
import { BlobTusStore } from '../../../src/http/tus/blob-tus-store.js';
import { openTestBlobStore, type TestBlobStore } from '../../support/test-blob-store.js';

/** A tus server on the real resumable store whose finish step refuses, as quota or store checks do. */
let blobs: TestBlobStore;
let app: FastifyInstance;
let base: string;
let refusal: KilnError;

before(async () => {
  blobs = await openTestBlobStore();
  const uploads = new ResumableUploadStore(blobs.store);
  const tus = new Server({
    path: '/uploads',
    datastore: new BlobTusStore(blobs.store, resumableTusRecords(uploads)),
    namingFunction: async (req) => {
      const size = Number(req.headers.get('upload-length'));
      return (await uploads.create({ id: randomUUID(), accountId: 'acct', size, metadata: {} })).id;
    },
    onResponseError: mapTusError,
    onUploadFinish: async () => {
      throw refusal;
    },
  });
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const handle = async (
    request: Parameters<typeof handleTusInEnvelope>[1],
    reply: { hijack(): void; raw: never },
  ) => {
    reply.hijack();
    await handleTusInEnvelope((req, res) => tus.handle(req, res), request, reply.raw, renderKilnError);
  };
  app.route({ method: ['POST'], url: '/uploads', handler: handle as never });
  app.route({ method: ['PATCH', 'HEAD'], url: '/uploads/:id', handler: handle as never });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  app.server.closeAllConnections();
  await app.close();
  await blobs.close();
});

async function finalPatch(): Promise<Response> {
  const created = await fetch(`${base}/uploads`, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': '5',
    },
  });
  assert.equal(created.status, 201, await created.text());
  return fetch(new URL(created.headers.get('location')!, base), {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    body: 'hello',
  });
}

test("a refusal in the finish step keeps its status and message, in Kiln's error JSON", async () => {
  refusal = new KilnError('limit_exceeded', 'The account is over its storage allowance');
  const res = await finalPatch();
  assert.equal(res.status, 403);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.match(await res.text(), /over its storage allowance/);
});

test("the store being down is a 503 with Retry-After, not tus' blanket 500", async () => {
  refusal = new KilnError('unavailable', 'The blob store is unavailable');
  const res = await finalPatch();
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '1');
  assert.match(await res.text(), /blob store is unavailable/);
});

test('an unexpected failure stays a 500 without its details', async () => {
  refusal = new Error('secret internal detail') as KilnError;
  const res = await finalPatch();
  assert.equal(res.status, 500);
  assert.doesNotMatch(await res.text(), /secret internal detail/);
});
