import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { liveHlsPrefix } from '../../../../core/live/live-addresses.js';
import { originAllowed } from '../../../../core/video/allowed-origins.js';
import { SEGMENT_SECONDS } from '../../../../core/video/transcode.js';
import { PACKAGING_CONTENT_TYPES } from '../../../../core/video/upload-directory.js';
import { streamFacts, streamPrefix } from '../../../../core/video/video-facts.js';
import { streamThumbnail } from '../../../../core/video/video-thumbnails.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { deliveryUsage } from '../../../delivery/delivery-usage.js';
import { sendBlob } from '../../../delivery/send-blob.js';
import { storedBlob } from '../../../delivery/stored-blob.js';
import { installErrorHandler } from '../../../errors/error-handler.js';
import { renderCloudflareError } from '../envelope.js';
import { resolvePlayback } from './playback-access.js';
import { playerPage, WATCH_PAGE_CSP } from './player-page.js';
import { parseThumbnailQuery } from './thumbnail-query.js';

/**
 * Delivery of Stream videos at `/stream/<uid or signed token>/...` (Cloudflare's
 * customer-<CODE>.cloudflarestream.com): HLS and DASH manifests and segments from the blob store,
 * thumbnails, the watch page and the embeddable player. Manifests use relative URLs, so a token in
 * the path carries over to every segment.
 */
export async function streamDeliveryRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  installErrorHandler(app, renderCloudflareError);

  app.get('/stream/:ident/manifest/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!/^[A-Za-z0-9_.-]+\.(m3u8|mpd|m4s|ts)$/.test(file)) throw notFound();
    const { asset, signed, liveInput } = await playableOrLive(runtime, request);
    if (liveInput) return sendLive(runtime, request, reply, asset, liveInput, file, signed);
    const ext = file.slice(file.lastIndexOf('.'));
    if (ext === '.ts') throw notFound();
    const immutable = ext === '.m4s';
    const blob = await storedBlob(
      runtime.blobs,
      `${streamPrefix(asset)}/manifest/${file}`,
      PACKAGING_CONTENT_TYPES[ext] ?? 'application/octet-stream',
    );
    if (!blob) throw notFound();
    return sendBlob(reply, request, runtime.blobs, blob, {
      cacheControl: `${signed ? 'private' : 'public'}, max-age=${immutable ? 31536000 : 60}${immutable ? ', immutable' : ''}`,
      extraHeaders: corsHeaders(),
      usage: immutable
        ? deliveryUsage(runtime, asset, 'segment', videoSegmentSeconds(asset, file))
        : deliveryUsage(runtime, asset, 'manifest'),
    });
  });

  for (const format of ['jpg', 'gif'] as const) {
    app.get(`/stream/:ident/thumbnails/thumbnail.${format}`, async (request, reply) => {
      const { asset, signed } = await playable(runtime, request);
      const req = parseThumbnailQuery(format, request.query as Record<string, string | undefined>);
      const info = await streamThumbnail(runtime, asset, req);
      return sendBlob(
        reply,
        request,
        runtime.blobs,
        {
          ...info,
          etag: `"${info.key.slice(info.key.lastIndexOf('/') + 1, -4)}"`,
          contentType: format === 'gif' ? 'image/gif' : 'image/jpeg',
        },
        {
          cacheControl: `${signed ? 'private' : 'public'}, max-age=3600`,
          extraHeaders: corsHeaders(),
          usage: deliveryUsage(runtime, asset, 'thumbnail'),
        },
      );
    });
  }

  for (const page of ['watch', 'iframe'] as const) {
    app.get(`/stream/:ident/${page}`, async (request, reply) => {
      const { ident } = request.params as { ident: string };
      const { asset } = await playable(runtime, request, { allowPending: true });
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'private, max-age=60')
        .header(
          'content-security-policy',
          `${WATCH_PAGE_CSP}; ${frameAncestors(streamFacts(asset).allowedOrigins)}`,
        )
        .send(
          playerPage(runtime.config.publicUrl, ident, asset, page, request.query as Record<string, string>),
        );
    });
  }
}

/**
 * A recording while its broadcast runs (`live-inprogress`) plays the live input's live HLS and
 * DASH, under the video's own signing and origin rules (copied from the input's recording settings).
 */
export async function sendLive(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  asset: Asset,
  liveInput: string,
  file: string,
  signed: boolean,
) {
  const ext = file.slice(file.lastIndexOf('.'));
  const blob = await storedBlob(
    runtime.blobs,
    liveHlsPrefix(asset.accountId, liveInput) + file,
    PACKAGING_CONTENT_TYPES[ext] ?? 'application/octet-stream',
  );
  if (!blob) throw notFound();
  const segment = (ext === '.ts' || ext === '.m4s') && !file.startsWith('init-');
  return sendBlob(reply, request, runtime.blobs, blob, {
    cacheControl: segment ? `${signed ? 'private' : 'public'}, max-age=60, immutable` : 'no-cache',
    extraHeaders: corsHeaders(),
  });
}

/** playable(), except that a recording while its broadcast runs (live-inprogress) passes, with its live input. */
export async function playableOrLive(runtime: KilnRuntime, request: FastifyRequest) {
  const access = await playable(runtime, request, { allowPending: true });
  const liveInput =
    access.asset.status === 'live-inprogress' ? streamFacts(access.asset).liveInput : undefined;
  if (!liveInput && access.asset.status !== 'ready') throw notReady();
  return { ...access, liveInput };
}

export async function playable(
  runtime: KilnRuntime,
  request: FastifyRequest,
  opts: { allowPending?: boolean } = {},
) {
  const { ident } = request.params as { ident: string };
  const access = await resolvePlayback(runtime, ident, request.ip);
  const facts = streamFacts(access.asset);
  if (!originAllowed(facts.allowedOrigins, header(request, 'origin'), header(request, 'referer'))) {
    throw new KilnError('forbidden', 'This video may not be played from this origin (allowedOrigins)', {
      details: { cloudflareCode: 10000 },
    });
  }
  if (access.asset.status === 'error') {
    throw new KilnError('processing_failed', `The video failed to process: ${facts.errorReasonText}`, {
      status: 424,
      details: { cloudflareCode: 10005 },
    });
  }
  if (access.asset.status !== 'ready' && !opts.allowPending) throw notReady();
  return access as { asset: Asset; signed: boolean };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Seconds of video one delivered segment holds, for minutes viewed (as Cloudflare estimates them):
 * segments of the video representations (chunk-<n>-, n below the ladder's size) count, audio not.
 */
function videoSegmentSeconds(asset: Asset, file: string): number | undefined {
  const representation = /^chunk-(\d+)-/.exec(file);
  if (!representation) return undefined;
  const rungs = streamFacts(asset).rungs.length;
  return rungs === 0 || Number(representation[1]) < rungs ? SEGMENT_SECONDS : undefined;
}

function corsHeaders(): Record<string, string> {
  return { 'access-control-allow-origin': '*' };
}

function frameAncestors(allowed: string[]): string {
  if (allowed.length === 0) return 'frame-ancestors *';
  return `frame-ancestors ${allowed.map((o) => `http://${o} https://${o}`).join(' ')}`;
}

function notReady(): KilnError {
  return new KilnError('not_found', 'The video is not ready to stream yet', {
    details: { cloudflareCode: 10003 },
  });
}

function notFound(): KilnError {
  return new KilnError('not_found', 'Not found', { details: { cloudflareCode: 10003 } });
}
