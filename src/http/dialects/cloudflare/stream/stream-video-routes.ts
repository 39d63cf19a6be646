import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { deleteAsset } from '../../../../core/assets/delete-asset.js';
import {
  badRequest,
  creatorOf,
  parseExpiry,
  parseRfc3339,
  parseVideoSettings,
} from '../../../../core/cloudflare-stream/stream-options.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { STREAM_SOURCE, streamFacts } from '../../../../core/video/video-facts.js';
import { createStreamVideo, updateFacts } from '../../../../core/video/videos.js';
import { resolveWatermark } from '../../../../core/video/watermarks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { listVideos, storageUsage } from './stream-list.js';
import { discardCreated, streamTus } from './stream-tus.js';
import { receiveFilePart, tusCreate } from './stream-uploads.js';
import { deliveryBase, uploadUrl, videoView } from './video-view.js';

/** Videos: TUS create or basic upload, list, get, edit, delete, direct_upload, storage-usage, embed. */
export async function streamVideoRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const view = (a: Asset) => videoView(runtime.config.publicUrl, a);

  app.post('/stream', async (request, reply) => {
    const account = await cloudflareAccount(runtime, request);
    if (request.headers['tus-resumable'] !== undefined) return tusCreate(runtime, account, request, reply);
    const video = await createStreamVideo(runtime, {
      accountId: account.id,
      state: 'pendingupload',
      uploadKind: 'api',
    });
    try {
      return cfOk(view(await receiveFilePart(runtime, request, video)));
    } catch (err) {
      await discardCreated(runtime, account.id, video.id);
      throw err;
    }
  });

  // tus discovery (Tus-Version, Tus-Extension, Tus-Max-Size): no credentials, as for any OPTIONS.
  app.options('/stream', async (request, reply) => {
    reply.hijack();
    await streamTus(runtime).handle(request.raw, reply.raw);
  });

  app.get('/stream', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { videos, total } = await listVideos(runtime, account.id, request.query as Record<string, unknown>);
    return cfOk(videos.map(view), { total, range: videos.length });
  });

  app.get('/stream/storage-usage', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const creator = (request.query as Record<string, string | undefined>).creator;
    return cfOk(await storageUsage(runtime, account.id, creator));
  });

  app.post('/stream/direct_upload', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = jsonBody(request);
    if (body.maxDurationSeconds === undefined || body.maxDurationSeconds === null) {
      throw badRequest('required field maxDurationSeconds is missing');
    }
    const settings = parseVideoSettings(body);
    await runtime.ingest.admit(account.id, { files: 1 });
    const watermark = await resolveWatermark(runtime, account.id, settings.watermarkUid);
    const video = await createStreamVideo(runtime, {
      ...settings,
      watermark,
      accountId: account.id,
      state: 'pendingupload',
      uploadKind: 'direct',
      uploadExpiry: parseExpiry(body.expiry),
      creator: creatorOf(request.headers, settings),
    });
    return cfOk({
      uid: video.id,
      uploadURL: uploadUrl(runtime.config.publicUrl, video.id),
      scheduledDeletion: streamFacts(video).scheduledDeletion,
      watermark,
    });
  });

  app.get('/stream/:identifier', async (request) => cfOk(view(await ownVideo(runtime, request))));

  app.post('/stream/:identifier', async (request) => {
    const video = await ownVideo(runtime, request);
    const body = jsonBody(request);
    if (body.uid !== undefined && body.uid !== video.id)
      throw badRequest('uid does not match the video in the path');
    const s = parseVideoSettings(body);
    const facts = streamFacts(video);
    const patch: Record<string, unknown> = {};
    if (s.allowedOrigins !== undefined) patch.allowedOrigins = s.allowedOrigins;
    if (s.creator !== undefined) patch.creator = s.creator;
    if (s.requireSignedURLs !== undefined) patch.requireSignedURLs = s.requireSignedURLs;
    if (s.thumbnailTimestampPct !== undefined) patch.thumbnailTimestampPct = s.thumbnailTimestampPct;
    if (s.maxDurationSeconds !== undefined) patch.maxDurationSeconds = s.maxDurationSeconds;
    if (s.scheduledDeletion !== undefined) patch.scheduledDeletion = s.scheduledDeletion;
    if (body.uploadExpiry !== undefined && video.status === 'pendingupload') {
      patch.uploadExpiry = new Date(parseRfc3339(body.uploadExpiry, 'uploadExpiry')).toISOString();
    }
    const next = { ...facts, ...patch };
    const updated = await updateFacts(runtime.assets, video, patch, {
      ...(s.meta !== undefined && {
        metadata: s.meta,
        originalName: typeof s.meta.name === 'string' ? s.meta.name : null,
      }),
      expiresAt:
        video.status === 'pendingupload'
          ? (next.uploadExpiry ?? next.scheduledDeletion)
          : next.scheduledDeletion,
    });
    return cfOk(view(updated));
  });

  app.delete('/stream/:identifier', async (request) => {
    const video = await ownVideo(runtime, request);
    await deleteAsset(runtime, video.accountId, video.id);
    return cfOk('');
  });

  app.get('/stream/:identifier/embed', async (request, reply) => {
    const video = await ownVideo(runtime, request);
    const src = `${deliveryBase(runtime.config.publicUrl, video.id)}/iframe`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<iframe src="${src}" style="border: none; position: absolute; top: 0; left: 0; height: 100%; width: 100%;" allow="accelerometer; gyroscope; autoplay; encrypted-media; picture-in-picture;" allowfullscreen="true"></iframe>`,
      );
  });
}

/** A video of the authenticated account, by the `:identifier` path parameter (404 otherwise). */
export async function ownVideo(runtime: KilnRuntime, request: FastifyRequest): Promise<Asset> {
  const account = await cloudflareAccount(runtime, request);
  const { identifier } = request.params as { identifier: string };
  const asset = await runtime.assets.find(account.id, identifier);
  if (!asset || asset.source !== STREAM_SOURCE) {
    throw new KilnError('not_found', `Video ${identifier} not found`, { details: { cloudflareCode: 10003 } });
  }
  return asset;
}

export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest('The request body must be a JSON object');
  return body as Record<string, unknown>;
}
