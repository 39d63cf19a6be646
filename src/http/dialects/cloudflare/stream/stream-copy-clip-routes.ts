import type { FastifyInstance } from 'fastify';
import {
  badRequest,
  creatorOf,
  parseVideoSettings,
} from '../../../../core/cloudflare-stream/stream-options.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { createClip, parseClipRange } from '../../../../core/video/clips.js';
import { startCopy } from '../../../../core/video/copy-video-from-url.js';
import { STREAM_SOURCE } from '../../../../core/video/video-facts.js';
import { resolveWatermark } from '../../../../core/video/watermarks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { jsonBody } from './stream-video-routes.js';
import { videoView } from './video-view.js';

/**
 * `POST /stream/copy` (copy from a URL, a durable fetch job: `downloading` -> `queued` -> ...)
 * and `POST /stream/clip` (a new video cut from a ready one, `queued` -> ...).
 */
export async function streamCopyClipRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;

  app.post('/stream/copy', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = jsonBody(request);
    const url = body.input ?? body.url;
    if (typeof url !== 'string' || url.trim() === '') throw badRequest('required field url is missing');
    const settings = parseVideoSettings(body);
    const video = await startCopy(
      { ...runtime, onFinished: undefined },
      {
        ...settings,
        watermark: await resolveWatermark(runtime, account.id, settings.watermarkUid),
        accountId: account.id,
        url,
        name: typeof body.name === 'string' ? body.name : null,
        creator: creatorOf(request.headers, settings),
      },
    );
    return cfOk(videoView(runtime.config.publicUrl, video));
  });

  app.post('/stream/clip', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = jsonBody(request);
    if (typeof body.clippedFromVideoUID !== 'string')
      throw badRequest('required field clippedFromVideoUID is missing');
    const source = await runtime.assets.find(account.id, body.clippedFromVideoUID);
    if (!source || source.source !== STREAM_SOURCE) {
      throw new KilnError('not_found', `Video ${body.clippedFromVideoUID} not found`, {
        details: { cloudflareCode: 10003 },
      });
    }
    const range = parseClipRange(body, source);
    const { scheduledDeletion: _notInherited, ...settings } = parseVideoSettings(body);
    const clip = await createClip(runtime, account.id, range, {
      ...settings,
      watermark: await resolveWatermark(runtime, account.id, settings.watermarkUid),
      scheduledDeletion: body.scheduledDeletion === undefined ? null : _notInherited,
      name: typeof body.name === 'string' ? body.name : null,
    });
    return cfOk(videoView(runtime.config.publicUrl, clip));
  });
}
