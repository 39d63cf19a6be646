import { randomUUID } from 'node:crypto';
import { Server } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import { finishResumableUpload } from '../../core/ingest/finish-resumable-upload.js';
import { ResumableUploadStore } from '../../core/ingest/resumable-upload-store.js';
import { sanitizeFileName } from '../../core/ingest/sanitize-file-name.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { renderKilnError } from '../errors/error-handler.js';
import { handleTusInEnvelope, mapTusError } from '../errors/tus-in-envelope.js';
import { assetView } from './asset-view.js';
import { requireBearerAccount } from './bearer-auth.js';

const PATH = '/kiln/v1/uploads';

/**
 * Kiln's native resumable uploads: the tus 1.0 protocol (creation, creation-with-upload,
 * termination, expiration) at `/kiln/v1/uploads`, on @tus/server over the BlobStore, so it works
 * on the local disk and on S3 alike. Every request needs the account's Bearer token and may only
 * touch its own uploads. The final PATCH answers 200 with the new asset's JSON (the asset id is
 * the upload id), which Uppy, tus-js-client and `kiln upload` read.
 */
export async function resumableUploadRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const store = new ResumableUploadStore(runtime.blobs);
  const tus = new Server({
    path: PATH,
    datastore: store,
    maxSize: runtime.config.maxUploadBytes,
    respectForwardedHeaders: false,
    onResponseError: mapTusError,
    namingFunction: () => randomUUID(),
    exposedHeaders: ['Kiln-Asset-Id'],
    generateUrl: (_req, { id }) => `${runtime.config.publicUrl}${PATH}/${id}`,
    onUploadFinish: async (_req, upload) => {
      const info = await store.readInfo(upload.id);
      if (!info) throw { status_code: 404, body: 'Upload not found\n' };
      const asset = await finishResumableUpload(runtime, store, info, {
        maxBytes: runtime.config.maxUploadBytes,
      });
      return {
        status_code: 200,
        headers: { 'Content-Type': 'application/json', 'Kiln-Asset-Id': asset.id },
        body: JSON.stringify(assetView(runtime, asset)),
      };
    },
  });

  // tus bodies go to @tus/server untouched.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'OPTIONS') {
      const account = await requireBearerAccount(runtime, request);
      const { id } = request.params as { id?: string };
      if (id) {
        const info = await store.readInfo(id);
        if (!info || info.accountId !== account.id) throw errors.notFound('Upload');
      } else if (request.method === 'POST') {
        const length = Number(request.headers['upload-length'] ?? Number.NaN);
        await runtime.ingest.admit(account.id, { files: 1, size: Number.isFinite(length) ? length : 0 });
        setHeader(request, 'upload-metadata', withOwner(request.headers['upload-metadata'], account.id));
      }
    }
    reply.hijack();
    await handleTusInEnvelope((req, res) => tus.handle(req, res), request, reply.raw, renderKilnError);
  };
  app.route({ method: ['POST', 'OPTIONS'], url: '/uploads', handler: handle });
  app.route({ method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'], url: '/uploads/:id', handler: handle });
}

/** Upload-Metadata with the owner set by us (any client-sent `kiln-account` dropped) and a clean filename. */
function withOwner(header: string | string[] | undefined, accountId: string): string {
  const pairs = (typeof header === 'string' ? header.split(',') : [])
    .map((p) => p.trim().split(' '))
    .filter(([key]) => key && key !== 'kiln-account')
    .map(([key, value]) => {
      if (key !== 'filename' && key !== 'name') return value ? `${key} ${value}` : key!;
      const clean = sanitizeFileName(Buffer.from(value ?? '', 'base64').toString('utf8'));
      return `${key} ${Buffer.from(clean).toString('base64')}`;
    });
  pairs.push(`kiln-account ${Buffer.from(accountId).toString('base64')}`);
  return pairs.join(',');
}

/** Replaces a request header in both views @tus/server's request wrapper (srvx) may read. */
function setHeader(request: FastifyRequest, name: string, value: string): void {
  const raw = request.raw;
  raw.headers[name] = value;
  const kept: string[] = [];
  for (let i = 0; i < raw.rawHeaders.length; i += 2) {
    if (raw.rawHeaders[i]!.toLowerCase() !== name) kept.push(raw.rawHeaders[i]!, raw.rawHeaders[i + 1]!);
  }
  raw.rawHeaders.splice(0, raw.rawHeaders.length, ...kept, name, value);
}
