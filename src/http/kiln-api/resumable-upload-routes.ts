import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import { finishResumableUpload } from '../../core/ingest/finish-resumable-upload.js';
import { ResumableUploadStore } from '../../core/ingest/resumable-upload-store.js';
import { sanitizeFileName } from '../../core/ingest/sanitize-file-name.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { renderKilnError } from '../errors/error-handler.js';
import { handleTusInEnvelope, mapTusError } from '../errors/tus-in-envelope.js';
import { BlobTusStore } from '../tus/blob-tus-store.js';
import { tusLocker } from '../tus/tus-locker.js';
import { serveTus, tusContext } from '../tus/tus-request.js';
import { assetView } from './asset-view.js';
import { requireBearerAccount } from './bearer-auth.js';
import { resumableTusRecords } from './resumable-tus-records.js';

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
  const uploads = new ResumableUploadStore(runtime.blobs);
  const tus = new Server({
    path: PATH,
    datastore: new BlobTusStore(runtime.blobs, resumableTusRecords(uploads)),
    locker: tusLocker(runtime),
    maxSize: runtime.config.maxUploadBytes,
    respectForwardedHeaders: false,
    onResponseError: mapTusError,
    namingFunction: () => randomUUID(),
    // The record is made once tus accepted the creation, where the request (its account) is known.
    onUploadCreate: async (req, upload) => {
      const { accountId } = tusContext<{ accountId: string }>(req);
      const metadata = cleanNames(upload.metadata);
      await uploads.create({ id: upload.id, accountId, size: upload.size ?? 0, metadata });
      return { metadata };
    },
    exposedHeaders: ['Kiln-Asset-Id'],
    generateUrl: (_req, { id }) => `${runtime.config.publicUrl}${PATH}/${id}`,
    onUploadFinish: async (_req, upload) => {
      const info = await uploads.readInfo(upload.id);
      if (!info) throw { status_code: 404, body: 'Upload not found\n' };
      // The seam to ingest: the assembled chunks become an asset with the upload's id.
      const asset = await finishResumableUpload(runtime, uploads, info, {
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

  // Every request but OPTIONS needs the account's token, and may only touch the account's uploads.
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    let accountId = '';
    if (request.method !== 'OPTIONS') {
      accountId = (await requireBearerAccount(runtime, request)).id;
      const { id } = request.params as { id?: string };
      if (id) {
        const info = await uploads.readInfo(id);
        if (!info || info.accountId !== accountId) throw errors.notFound('Upload');
      } else if (request.method === 'POST') {
        // Account limits before any byte moves (the bytes are checked again as they arrive).
        const length = Number(request.headers['upload-length'] ?? Number.NaN);
        await runtime.ingest.admit(accountId, { files: 1, size: Number.isFinite(length) ? length : 0 });
      }
    }
    reply.hijack();
    const serve = (req: IncomingMessage, res: ServerResponse) => serveTus(tus, req, res, { accountId });
    await handleTusInEnvelope(serve, request, reply.raw, renderKilnError);
  };
  app.route({ method: ['POST', 'OPTIONS'], url: '/uploads', handler: handle });
  app.route({ method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'], url: '/uploads/:id', handler: handle });
}

/** The client's metadata, with `filename`/`name` made safe to show and to send back. */
function cleanNames(metadata: Record<string, string | null> | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    out[key] = (key === 'filename' || key === 'name') && value !== null ? sanitizeFileName(value) : value;
  }
  return out;
}
