import type { FastifyInstance } from 'fastify';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { liveHlsPrefix } from '../../../../core/stream/live-input-view.js';
import { LiveInputs } from '../../../../core/stream/live-inputs.js';
import { isStreamUid } from '../../../../core/stream/stream-facts.js';
import { PACKAGING_CONTENT_TYPES } from '../../../../core/video/upload-directory.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { sendBlob } from '../../../delivery/send-blob.js';
import { storedBlob } from '../../../delivery/stored-blob.js';

/**
 * The live HLS of a live input while a broadcast runs: `/stream/live/<input uid>/manifest/video.m3u8`
 * (a sliding playlist of MPEG-TS segments that the worker mirrors into the blob store). 404 when
 * nothing is live. The playlist is never cached; segments are immutable.
 */
export async function streamLiveDelivery(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const inputs = new LiveInputs(runtime);

  app.get('/stream/live/:uid/manifest/:file', async (request, reply) => {
    const { uid, file } = request.params as { uid: string; file: string };
    if (!isStreamUid(uid) || !/^[A-Za-z0-9_.-]+\.(m3u8|ts)$/.test(file)) throw notLive();
    const input = await inputs.find(uid);
    if (!input) throw notLive();
    const ext = file.slice(file.lastIndexOf('.'));
    const blob = await storedBlob(
      runtime.blobs,
      liveHlsPrefix(input.accountId, input.id) + file,
      PACKAGING_CONTENT_TYPES[ext] ?? 'application/octet-stream',
    );
    if (!blob) throw notLive();
    return sendBlob(reply, request, runtime.blobs, blob, {
      cacheControl: ext === '.ts' ? 'public, max-age=60, immutable' : 'no-cache',
      extraHeaders: { 'access-control-allow-origin': '*' },
    });
  });
}

function notLive(): KilnError {
  return new KilnError('not_found', 'This live input is not broadcasting', {
    details: { cloudflareCode: 10003 },
  });
}
