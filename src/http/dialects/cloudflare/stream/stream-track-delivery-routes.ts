import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { USER_CONTENT_HEADERS } from '../../../../core/delivery/active-content.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { listAudioTracks } from '../../../../core/video/audio-tracks.js';
import { listCaptions } from '../../../../core/video/captions.js';
import { DOWNLOAD_FILES, type DownloadType } from '../../../../core/video/downloads.js';
import {
  composeHlsMaster,
  composeMpd,
  type ManifestTracks,
  subtitlePlaylist,
} from '../../../../core/video/manifest-writer.js';
import { PACKAGING_CONTENT_TYPES } from '../../../../core/video/upload-directory.js';
import { streamPrefix } from '../../../../core/video/video-facts.js';
import {
  audioTrackName,
  captionTrackName,
  DOWNLOAD_KIND,
  trackPrefix,
} from '../../../../core/video/video-tracks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { deliveryUsage } from '../../../delivery/delivery-usage.js';
import { sendBlob } from '../../../delivery/send-blob.js';
import { storedBlob } from '../../../delivery/stored-blob.js';
import { playable, playableOrLive, sendLive } from './stream-delivery-routes.js';

const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

/**
 * Delivery of what is added to a video after processing: the master playlist and MPD with the
 * caption and audio tracks (composed per request, see manifest-writer.ts), the tracks' own files
 * at `/manifest/tracks/<track>/<file>`, the MP4/M4A downloads, and the player's hls.js.
 */
export async function streamTrackDeliveryRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const cors = { 'access-control-allow-origin': '*' };

  app.get('/stream/player/hls.js', async (request, reply) => {
    const info = await stat(HLS_JS);
    const etag = `"hls-${info.size}-${info.mtimeMs}"`;
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .header('etag', etag)
      .send(createReadStream(HLS_JS));
  });

  for (const [file, compose] of [
    ['video.m3u8', composeHlsMaster],
    ['video.mpd', composeMpd],
  ] as const) {
    app.get(`/stream/:ident/manifest/${file}`, async (request, reply) => {
      const { asset, signed, liveInput } = await playableOrLive(runtime, request);
      if (liveInput) return sendLive(runtime, request, reply, asset, liveInput, file, signed);
      const stored = await readText(runtime, `${streamPrefix(asset)}/manifest/${file}`);
      const body = compose(stored, await manifestTracks(runtime, asset));
      // Composed here, not a blob: counted like sendBlob counts the others.
      runtime.usage.meter.delivered(
        deliveryUsage(runtime, asset, 'manifest'),
        request.method === 'HEAD' ? 0 : Buffer.byteLength(body),
      );
      return reply
        .type(PACKAGING_CONTENT_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'text/plain')
        .header('cache-control', `${signed ? 'private' : 'public'}, max-age=10`)
        .headers({ ...cors, ...USER_CONTENT_HEADERS })
        .send(body);
    });
  }

  app.get('/stream/:ident/manifest/tracks/:track/:file', async (request, reply) => {
    const { track, file } = request.params as { track: string; file: string };
    if (!/^[A-Za-z0-9-]+$/.test(track) || !/^[A-Za-z0-9_.-]+\.(m3u8|m4s|vtt)$/.test(file)) throw notFound();
    const { asset, signed } = await playable(runtime, request);
    if (track.startsWith('caption-') && file === 'index.m3u8') {
      return reply
        .type(PACKAGING_CONTENT_TYPES['.m3u8']!)
        .header('cache-control', `${signed ? 'private' : 'public'}, max-age=10`)
        .headers({ ...cors, ...USER_CONTENT_HEADERS })
        .send(subtitlePlaylist(asset.durationSeconds ?? 0, 'caption.vtt'));
    }
    const ext = file.slice(file.lastIndexOf('.'));
    const blob = await storedBlob(
      runtime.blobs,
      `${trackPrefix(asset, track)}/${file}`,
      PACKAGING_CONTENT_TYPES[ext] ?? 'text/plain',
    );
    if (!blob) throw notFound();
    return sendBlob(reply, request, runtime.blobs, blob, {
      cacheControl: `${signed ? 'private' : 'public'}, max-age=60`,
      extraHeaders: cors,
      usage: deliveryUsage(runtime, asset, ext === '.m4s' ? 'segment' : 'manifest'),
    });
  });

  for (const type of ['default', 'audio'] as DownloadType[]) {
    app.get(`/stream/:ident/downloads/${DOWNLOAD_FILES[type]}`, async (request, reply) => {
      const { asset, signed } = await playable(runtime, request);
      const entry = await runtime.renditions.find(asset.id, DOWNLOAD_KIND, type);
      if (!entry || entry.extra.status !== 'ready') throw notFound();
      const blob = await storedBlob(runtime.blobs, entry.blobKey, entry.contentType);
      if (!blob) throw notFound();
      const filename = downloadName(request, asset, DOWNLOAD_FILES[type]);
      return sendBlob(reply, request, runtime.blobs, blob, {
        cacheControl: `${signed ? 'private' : 'public'}, max-age=3600`,
        extraHeaders: { ...cors, 'content-disposition': `attachment; filename="${filename}"` },
        usage: deliveryUsage(runtime, asset, 'download'),
      });
    });
  }
}

/** The tracks the manifests offer: ready captions and ready audio tracks, in a stable order. */
async function manifestTracks(runtime: KilnRuntime, asset: Asset): Promise<ManifestTracks> {
  const captions = (await listCaptions(runtime, asset))
    .filter((c) => c.status === 'ready')
    .map((c) => ({
      language: c.language,
      label: c.label,
      playlistUri: `tracks/${captionTrackName(c.language)}/index.m3u8`,
      vttUri: `tracks/${captionTrackName(c.language)}/caption.vtt`,
    }));
  const audio = (await listAudioTracks(runtime, asset))
    .filter((t) => t.extra.status === 'ready' && typeof t.extra.dash === 'string')
    .map((t) => ({
      uid: t.name,
      label: String(t.extra.label),
      default: t.extra.default === true,
      playlistUri: `tracks/${audioTrackName(t.name)}/${String(t.extra.playlist ?? 'media_0.m3u8')}`,
      dashAdaptationSet: String(t.extra.dash),
    }));
  return { captions, audio };
}

async function readText(runtime: KilnRuntime, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await runtime.blobs.get(key)) chunks.push(chunk as Buffer);
  } catch (err) {
    if (err instanceof KilnError && err.code === 'not_found') throw notFound();
    throw err;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `?filename=` (up to 120 of [A-Za-z0-9_-], extension appended), else the video's uid. */
function downloadName(request: FastifyRequest, asset: Asset, file: string): string {
  const ext = file.slice(file.lastIndexOf('.'));
  const wanted = (request.query as { filename?: string }).filename;
  const base = wanted && /^[A-Za-z0-9_-]{1,120}$/.test(wanted) ? wanted : asset.id;
  return `${base}${ext}`;
}

function notFound(): KilnError {
  return new KilnError('not_found', 'Not found', { details: { cloudflareCode: 10003 } });
}
