import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { CloudflareProductOptions } from '../cloudflare-api.js';
import { streamAccountRoutes } from './stream-account-routes.js';
import { streamAudioRoutes } from './stream-audio-routes.js';
import { streamCaptionRoutes } from './stream-caption-routes.js';
import { streamCopyClipRoutes } from './stream-copy-clip-routes.js';
import { streamDownloadRoutes } from './stream-download-routes.js';
import { streamLiveRoutes } from './stream-live-routes.js';
import { streamVideoRoutes } from './stream-video-routes.js';
import { streamWatermarkRoutes } from './stream-watermark-routes.js';

/**
 * Cloudflare Stream, the API product under `/client/v4/accounts/:account_id`: videos and uploads,
 * signing keys and tokens, webhooks. Delivery and the upload URLs (see authorizeTusUpload) live at the
 * server root (streamPublicRoutes). Bodies: JSON, multipart (basic uploads, streamed), tus
 * (left unread for @tus/server), and none at all (keys.create sends no Content-Type).
 */
export async function streamApi(app: FastifyInstance, opts: CloudflareProductOptions) {
  await app.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 1 } });
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  await app.register(streamVideoRoutes, { runtime: opts.runtime });
  await app.register(streamAccountRoutes, { runtime: opts.runtime });
  await app.register(streamWatermarkRoutes, { runtime: opts.runtime });
  await app.register(streamLiveRoutes, { runtime: opts.runtime });
  await app.register(streamCopyClipRoutes, { runtime: opts.runtime });
  await app.register(streamCaptionRoutes, { runtime: opts.runtime });
  await app.register(streamAudioRoutes, { runtime: opts.runtime });
  await app.register(streamDownloadRoutes, { runtime: opts.runtime });
}
