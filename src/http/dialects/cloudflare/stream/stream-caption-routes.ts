import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';
import { USER_CONTENT_HEADERS } from '../../../../core/delivery/active-content.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import {
  captionBlobKey,
  deleteCaption,
  generationUnavailable,
  getCaption,
  listCaptions,
  MAX_CAPTION_BYTES,
  parseLanguage,
  putCaption,
} from '../../../../core/video/captions.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cfOk } from '../envelope.js';
import { ownVideo } from './stream-video-routes.js';

/** Captions: list, upload (WebVTT or SRT, per language), get, delete, download as VTT; no generation. */
export async function streamCaptionRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const lang = (request: FastifyRequest) => parseLanguage((request.params as { language: string }).language);

  app.get('/stream/:identifier/captions', async (request) => {
    const video = await ownVideo(runtime, request);
    const captions = await listCaptions(runtime, video);
    return cfOk(captions, { result_info: { count: captions.length } });
  });

  app.put('/stream/:identifier/captions/:language', async (request) => {
    const video = await ownVideo(runtime, request);
    const language = lang(request);
    return cfOk(await putCaption(runtime, video, language, await captionText(request)));
  });

  app.post('/stream/:identifier/captions/:language/generate', async (request) => {
    await ownVideo(runtime, request);
    throw generationUnavailable(lang(request));
  });

  app.get('/stream/:identifier/captions/:language', async (request) => {
    const video = await ownVideo(runtime, request);
    return cfOk(await getCaption(runtime, video, lang(request)));
  });

  app.delete('/stream/:identifier/captions/:language', async (request) => {
    const video = await ownVideo(runtime, request);
    await deleteCaption(runtime, video, lang(request));
    return cfOk('');
  });

  app.get('/stream/:identifier/captions/:language/vtt', async (request, reply) => {
    const video = await ownVideo(runtime, request);
    const language = lang(request);
    await getCaption(runtime, video, language);
    const body = await runtime.blobs.get(captionBlobKey(video, language));
    return reply.type('text/vtt; charset=utf-8').headers(USER_CONTENT_HEADERS).send(body);
  });
}

/** The `file` part: a file part (File/Blob) or a plain text field (a string), at most 10 MB. */
async function captionText(request: FastifyRequest): Promise<string> {
  if (!request.isMultipart())
    throw badRequest('Expected a multipart/form-data body with a part named "file"');
  for await (const part of request.parts({
    limits: { fileSize: MAX_CAPTION_BYTES, fieldSize: MAX_CAPTION_BYTES, files: 1 },
  })) {
    if (part.fieldname !== 'file') {
      if (part.type === 'file') part.file.resume();
      continue;
    }
    if (part.type === 'field') return String(part.value);
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
    if (part.file.truncated) {
      throw new KilnError('payload_too_large', 'The caption file exceeds the 10 MB limit', {
        details: { cloudflareCode: 10005 },
      });
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  throw badRequest('The multipart body has no part named "file"');
}
