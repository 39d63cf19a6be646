import type { FastifyInstance } from 'fastify';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { liveHlsPrefix } from '../../../../core/live/live-addresses.js';
import { LiveInputs } from '../../../../core/live/live-inputs.js';
import { originAllowed } from '../../../../core/video/allowed-origins.js';
import { PACKAGING_CONTENT_TYPES } from '../../../../core/video/upload-directory.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { deliveryUsage } from '../../../delivery/delivery-usage.js';
import { sendBlob } from '../../../delivery/send-blob.js';
import { storedBlob } from '../../../delivery/stored-blob.js';
import { resolveLivePlayback } from './playback-access.js';

const SEGMENT = /^\.(ts|m4s)$/;

/**
 * The live HLS and DASH of a live input while a broadcast runs: `/stream/live/<input uid>/manifest/video.m3u8`
 * and `.../video.mpd` (a sliding playlist of MPEG-TS segments, a live DASH manifest of fMP4
 * segments, both mirrored into the blob store by the ingest node holding the broadcast). 404 when
 * nothing is live. The playlist is never cached; segments are immutable. The input's recording
 * settings apply: requireSignedURLs (a signed token with the input's uid as `sub` replaces the uid;
 * segment names are relative, so they follow it) and allowedOrigins.
 */
export async function streamLiveDelivery(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const inputs = new LiveInputs(runtime);

  app.get('/stream/live/:ident/manifest/:file', async (request, reply) => {
    const { ident, file } = request.params as { ident: string; file: string };
    if (!/^[A-Za-z0-9_.-]+\.(m3u8|ts|mpd|m4s)$/.test(file)) throw notLive();
    const { input, signed } = await resolveLivePlayback(inputs, runtime, ident, request.ip, notLive);
    const { origin, referer } = request.headers;
    if (!originAllowed(input.settings.recording.allowedOrigins ?? [], origin, referer)) {
      throw new KilnError(
        'forbidden',
        'This live input may not be played from this origin (allowedOrigins)',
        {
          details: { cloudflareCode: 10000 },
        },
      );
    }
    const ext = file.slice(file.lastIndexOf('.'));
    const blob = await storedBlob(
      runtime.blobs,
      liveHlsPrefix(input.accountId, input.id) + file,
      PACKAGING_CONTENT_TYPES[ext] ?? 'application/octet-stream',
    );
    if (!blob) throw notLive();
    return sendBlob(reply, request, runtime.blobs, blob, {
      cacheControl:
        SEGMENT.test(ext) && !file.startsWith('init-')
          ? `${signed ? 'private' : 'public'}, max-age=60, immutable`
          : 'no-cache',
      extraHeaders: { 'access-control-allow-origin': '*' },
      // Counted against the live input's id (not an asset); live minutes viewed are not estimated yet.
      usage: deliveryUsage(runtime, input, SEGMENT.test(ext) ? 'segment' : 'manifest'),
    });
  });
}

function notLive(): KilnError {
  return new KilnError('not_found', 'This live input is not broadcasting', {
    details: { cloudflareCode: 10003 },
  });
}
