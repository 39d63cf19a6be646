import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { originalKey } from '../../../../core/assets/asset.js';
import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { checkFetchUrl, parseFetchUrl } from '../../../../core/fetch/check-url.js';
import {
  addAudioTrack,
  audioView,
  deleteAudioTrack,
  editAudioTrack,
  ingestAudioSource,
  listAudioTracks,
  MAX_AUDIO_BYTES,
} from '../../../../core/video/audio-tracks.js';
import { isStreamUid, STREAM_SOURCE } from '../../../../core/video/video-facts.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cfOk } from '../envelope.js';
import { jsonBody, ownVideo } from './stream-video-routes.js';

/**
 * Additional audio tracks: list, add by upload (multipart `file` + `label`), copy from a URL,
 * edit (label, default), delete. A URL naming another video of the account on this server
 * (`<public url>/stream/<uid>/...`) copies that video's audio straight from the store.
 */
export async function streamAudioRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const param = (request: FastifyRequest) => (request.params as { audioId: string }).audioId;

  app.get('/stream/:identifier/audio', async (request) => {
    const video = await ownVideo(runtime, request);
    return cfOk({ audio: (await listAudioTracks(runtime, video)).map(audioView) });
  });

  app.post('/stream/:identifier/audio/copy', async (request) => {
    const video = await ownVideo(runtime, request);
    const body = jsonBody(request);
    if (typeof body.url !== 'string' || body.url === '') throw badRequest('required field url is missing');
    const source = await audioSourceFromUrl(runtime, video, body.url);
    return cfOk(await addAudioTrack(runtime, video, body.label as string, source));
  });

  app.post('/stream/:identifier/audio', async (request) => {
    const video = await ownVideo(runtime, request);
    if (!request.isMultipart())
      throw badRequest('Expected a multipart/form-data body with "file" and "label"');
    let label: string | undefined;
    let added: unknown;
    for await (const part of request.parts({ limits: { fileSize: MAX_AUDIO_BYTES, files: 1 } })) {
      if (part.type === 'field') {
        if (part.fieldname === 'label') label = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || label === undefined) {
        part.file.resume();
        if (part.fieldname === 'file') throw badRequest('label must come before file in the multipart body');
        continue;
      }
      const file = part.file as Readable & { truncated?: boolean };
      added = await addAudioTrack(runtime, video, label, (uid) =>
        ingestAudioSource(runtime, video, uid, file),
      );
    }
    if (!added) throw badRequest('The multipart body has no part named "file"');
    return cfOk(added);
  });

  app.patch('/stream/:identifier/audio/:audioId', async (request) => {
    const video = await ownVideo(runtime, request);
    return cfOk(await editAudioTrack(runtime, video, param(request), jsonBody(request)));
  });

  app.delete('/stream/:identifier/audio/:audioId', async (request) => {
    const video = await ownVideo(runtime, request);
    await deleteAudioTrack(runtime, video, param(request));
    return cfOk('ok');
  });
}

async function audioSourceFromUrl(runtime: KilnRuntime, video: Asset, raw: string) {
  const base = `${runtime.config.publicUrl}/stream/`;
  if (raw.startsWith(base)) {
    const uid = raw.slice(base.length).split(/[/?#]/)[0] ?? '';
    const other = isStreamUid(uid) ? await runtime.assets.find(video.accountId, uid) : null;
    if (!other || other.source !== STREAM_SOURCE || !other.blobKey) {
      throw new KilnError('not_found', `Video ${uid} not found`, { details: { cloudflareCode: 10003 } });
    }
    return { sourceKey: originalKey(other.accountId, other.id) };
  }
  try {
    await checkFetchUrl(parseFetchUrl(raw), runtime.fetchPolicy);
  } catch (err) {
    throw badRequest(
      `The URL ${JSON.stringify(raw)} cannot be copied: ${err instanceof Error ? err.message : err}`,
    );
  }
  return { url: raw };
}
