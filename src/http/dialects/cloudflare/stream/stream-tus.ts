import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@tus/server';
import { deleteAsset } from '../../../../core/assets/delete-asset.js';
import { finishStreamTusUpload } from '../../../../core/stream/finish-stream-tus.js';
import { STREAM_SOURCE } from '../../../../core/stream/stream-facts.js';
import { BlobTusStore } from '../../../../core/stream/tus-blob-store.js';
import { uploadUrl } from '../../../../core/stream/video-view.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { mapTusError } from '../../../errors/tus-in-envelope.js';

/** Cloudflare's upload limit per video. */
export const MAX_TUS_UPLOAD_BYTES = 30 * 1024 ** 3;
/**
 * How the dialect hands the pre-created video uid to tus' naming function: keyed by the Node
 * request, which @tus/server's web Request wraps (srvx: `runtime.node.req`).
 */
export const createdUids = new WeakMap<IncomingMessage, string>();

export interface StreamTus {
  server: Server;
  store: BlobTusStore;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const instances = new WeakMap<KilnRuntime, StreamTus>();

/**
 * The one @tus/server of a runtime, on the BlobTusStore. Creation runs under the authenticated
 * `POST /accounts/:a/stream` (the dialect creates the row first); the upload URL it returns,
 * `/stream/upload/<uid>`, takes HEAD/PATCH/DELETE without credentials, like Cloudflare's upload host.
 */
export function streamTus(runtime: KilnRuntime): StreamTus {
  const existing = instances.get(runtime);
  if (existing) return existing;
  const store = new BlobTusStore(runtime);
  const server = new Server({
    path: '/stream/upload',
    datastore: store,
    maxSize: MAX_TUS_UPLOAD_BYTES,
    disableTerminationForFinishedUploads: true,
    onResponseError: mapTusError,
    exposedHeaders: ['stream-media-id', 'Location', 'Upload-Offset', 'Upload-Length', 'Upload-Expires'],
    namingFunction: (req) => {
      const node = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
      const uid = node ? createdUids.get(node) : undefined;
      if (!uid) throw new Error('tus creation outside the Stream dialect');
      return uid;
    },
    generateUrl: (_req, { id }) => uploadUrl(runtime.config.publicUrl, id),
    onUploadFinish: async (_req, upload) => {
      const asset = await runtime.assets.findAnyAccount(upload.id);
      if (!asset || asset.source !== STREAM_SOURCE || asset.status !== 'pendingupload') return {};
      await finishStreamTusUpload(runtime, store, asset, { maxBytes: MAX_TUS_UPLOAD_BYTES });
      return {};
    },
  });
  const tus: StreamTus = { server, store, handle: (req, res) => server.handle(req, res) };
  instances.set(runtime, tus);
  return tus;
}

/** A tus creation that the tus handler refused: the pre-created row goes again. */
export async function discardCreated(runtime: KilnRuntime, accountId: string, uid: string): Promise<void> {
  await deleteAsset(runtime, accountId, uid).catch(() => {});
}
