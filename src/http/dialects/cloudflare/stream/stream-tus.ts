import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@tus/server';
import { deleteAsset } from '../../../../core/assets/delete-asset.js';
import { MAX_EXPIRY_MS } from '../../../../core/cloudflare-stream/stream-options.js';
import { finishStreamTusUpload } from '../../../../core/video/finish-video-tus-upload.js';
import { newStreamUid } from '../../../../core/video/video-facts.js';
import { StreamTusUploads, tusChunkPrefix } from '../../../../core/video/video-tus-uploads.js';
import { createStreamVideo, type NewStreamVideo } from '../../../../core/video/videos.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { mapTusError } from '../../../errors/tus-in-envelope.js';
import { BlobTusStore, type TusUploadRecords } from '../../../tus/blob-tus-store.js';
import { tusLocker } from '../../../tus/tus-locker.js';
import { serveTus, tusContext } from '../../../tus/tus-request.js';
import { uploadUrl } from './video-view.js';

/** Cloudflare's upload limit per video. */
export const MAX_TUS_UPLOAD_BYTES = 30 * 1024 ** 3;

/** A creation the dialect validated: the video to make, and who to tell its uid. */
export interface StreamTusCreation {
  video: NewStreamVideo;
  created(uid: string): void;
}

/** What the dialect hands a tus request. */
export interface StreamTusContext {
  creation?: StreamTusCreation;
}

export interface StreamTus {
  server: Server;
  uploads: StreamTusUploads;
  handle(req: IncomingMessage, res: ServerResponse, context?: StreamTusContext): Promise<void>;
}

const instances = new WeakMap<KilnRuntime, StreamTus>();

/**
 * The one @tus/server of a runtime for Cloudflare Stream, on the BlobTusStore. Creation runs under
 * the authenticated `POST /accounts/:a/stream`: the video row is made in tus' onUploadCreate hook
 * from the creation the dialect validated (in the request's context). The upload URL it returns,
 * `/stream/upload/<uid>`, takes HEAD/PATCH/DELETE (authorised by authorizeTusUpload).
 */
export function streamTus(runtime: KilnRuntime): StreamTus {
  const existing = instances.get(runtime);
  if (existing) return existing;
  const uploads = new StreamTusUploads(runtime);
  const records: TusUploadRecords = {
    find: async (id) => {
      const upload = await uploads.find(id);
      if (!upload) return null;
      const { asset } = upload;
      return {
        id,
        size: upload.size,
        metadata: upload.metadata,
        expiresAt: upload.expiresAt ?? new Date(Date.parse(asset.createdAt) + MAX_EXPIRY_MS).toISOString(),
        chunkPrefix: tusChunkPrefix(asset),
        done: upload.done,
      };
    },
    remove: async (id) => {
      const upload = await uploads.find(id);
      if (upload) await uploads.remove(upload);
    },
  };
  const server = new Server({
    path: '/stream/upload',
    datastore: new BlobTusStore(runtime.blobs, records),
    locker: tusLocker(runtime),
    maxSize: MAX_TUS_UPLOAD_BYTES,
    disableTerminationForFinishedUploads: true,
    onResponseError: mapTusError,
    exposedHeaders: ['stream-media-id', 'Location', 'Upload-Offset', 'Upload-Length', 'Upload-Expires'],
    namingFunction: () => newStreamUid(),
    // The video row is made once tus accepted the creation, from what the dialect validated.
    onUploadCreate: async (req, upload) => {
      const creation = tusContext<StreamTusContext>(req).creation;
      if (!creation) throw new Error('tus creation outside the Stream dialect');
      const metadata = upload.metadata ?? {};
      await createStreamVideo(runtime, { ...creation.video, id: upload.id, uploadMetadata: metadata });
      creation.created(upload.id);
      return {};
    },
    generateUrl: (_req, { id }) => uploadUrl(runtime.config.publicUrl, id),
    onUploadFinish: async (_req, upload) => {
      const found = await uploads.find(upload.id);
      if (!found || found.done) return {};
      // The one call into ingest: the assembled chunks become the video's original.
      await finishStreamTusUpload(runtime, uploads, found.asset, { maxBytes: MAX_TUS_UPLOAD_BYTES });
      return {};
    },
  });
  const tus: StreamTus = {
    server,
    uploads,
    handle: (req, res, context = {}) => serveTus(server, req, res, context),
  };
  instances.set(runtime, tus);
  return tus;
}

/** A tus creation that the tus handler refused: the row it made goes again. */
export async function discardCreated(runtime: KilnRuntime, accountId: string, uid: string): Promise<void> {
  await deleteAsset(runtime, accountId, uid).catch(() => {});
}
