import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { isStreamUid, STREAM_SOURCE } from '../../../../core/video/video-facts.js';
import { assertUploadOpen } from '../../../../core/video/videos.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { installErrorHandler } from '../../../errors/error-handler.js';
import { handleTusInEnvelope } from '../../../errors/tus-in-envelope.js';
import { cfOk, renderCloudflareError } from '../envelope.js';
import { streamDeliveryRoutes } from './stream-delivery-routes.js';
import { streamLiveDelivery } from './stream-live-delivery.js';
import { streamTrackDeliveryRoutes } from './stream-track-delivery-routes.js';
import { streamTus } from './stream-tus.js';
import { authorizeTusUpload } from './stream-upload-access.js';
import { claimDirectUpload } from './stream-uploads.js';
import { videoView } from './video-view.js';

/**
 * What Cloudflare serves from its upload and delivery hosts, at Kiln's root: the one-time upload
 * URL `/stream/upload/<uid>` (a basic multipart POST for direct creator uploads; tus HEAD/PATCH/
 * DELETE for TUS uploads, with the creator's token unless created with direct_user, see
 * authorizeTusUpload) and playback.
 */
export async function streamPublicRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  installErrorHandler(app, renderCloudflareError);
  await app.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 1 } });
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));

  app.post('/stream/upload/:uid', async (request) => {
    const { uid } = request.params as { uid: string };
    const video = isStreamUid(uid) ? await runtime.assets.findAnyAccount(uid) : null;
    if (!video || video.source !== STREAM_SOURCE) {
      throw new KilnError('not_found', 'Unknown upload URL', { details: { cloudflareCode: 10003 } });
    }
    assertUploadOpen(video, 'direct');
    return cfOk(videoView(runtime.config.publicUrl, await claimDirectUpload(runtime, video, request)));
  });

  const tusRoute = async (
    request: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) => {
    if (request.method !== 'OPTIONS') await authorizeTusUpload(runtime, request);
    reply.hijack();
    // tus' refusals (409 offset, 423 locked, 410 expired...) in Cloudflare's envelope, as the creation's.
    await handleTusInEnvelope(streamTus(runtime).handle, request, reply.raw, renderCloudflareError);
  };
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/stream/upload/:uid',
    handler: tusRoute,
  });

  await app.register(streamDeliveryRoutes, { runtime });
  await app.register(streamLiveDelivery, { runtime });
  await app.register(streamTrackDeliveryRoutes, { runtime });
}
