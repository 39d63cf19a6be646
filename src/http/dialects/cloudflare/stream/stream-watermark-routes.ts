import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { safeFetch } from '../../../../core/fetch/safe-fetch.js';
import {
  MAX_WATERMARK_BYTES,
  parseWatermarkSettings,
  WatermarkProfiles,
  watermarkView,
} from '../../../../core/video/watermarks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { jsonBody } from './stream-video-routes.js';

/**
 * Watermark profiles (reference §3.5): created from a PNG sent as the multipart `file` part, or
 * fetched from `url` (JSON or multipart field); immutable; listed, read and deleted by uid.
 */
export async function streamWatermarkRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const profiles = new WatermarkProfiles(runtime);

  app.post('/stream/watermarks', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { fields, file } = request.isMultipart()
      ? await readMultipart(request)
      : { fields: jsonBody(request), file: null };
    const settings = parseWatermarkSettings(fields);
    if (file) return cfOk(await profiles.create(account.id, file, settings, null));
    const url = fields.url;
    if (typeof url !== 'string' || url === '')
      throw badRequest('A watermark needs an image: a multipart part named "file" or a "url"');
    const image = await fetchImage(runtime, url);
    return cfOk(await profiles.create(account.id, image, settings, url));
  });

  app.get('/stream/watermarks', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(await profiles.list(account.id));
  });

  app.get('/stream/watermarks/:uid', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { uid } = request.params as { uid: string };
    return cfOk(watermarkView(await profiles.require(account.id, uid)));
  });

  app.delete('/stream/watermarks/:uid', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { uid } = request.params as { uid: string };
    await profiles.delete(account.id, uid);
    return cfOk('');
  });
}

/** Fields as strings, the `file` part buffered (at most 2 MiB: the profile limit). */
async function readMultipart(request: FastifyRequest) {
  const fields: Record<string, unknown> = {};
  let file: Buffer | null = null;
  for await (const part of request.parts({
    limits: { fileSize: MAX_WATERMARK_BYTES, files: 1, fields: 20 },
  })) {
    if (part.type === 'field') {
      fields[part.fieldname] = part.value;
      continue;
    }
    const bytes = await part.toBuffer().catch((err: unknown) => {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return null;
      throw err;
    });
    if (bytes === null || part.file.truncated) throw tooLarge();
    if (part.fieldname === 'file') file = bytes;
  }
  return { fields, file };
}

async function fetchImage(runtime: KilnRuntime, url: string): Promise<Buffer> {
  const res = await safeFetch(url, {
    ...runtime.fetchPolicy,
    maxBytes: MAX_WATERMARK_BYTES,
    timeoutMs: 30_000,
  });
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch (err) {
    if (err instanceof KilnError && err.details.fetchReason === 'too_large') throw tooLarge();
    throw err;
  }
  return Buffer.concat(chunks);
}

function tooLarge(): KilnError {
  return new KilnError('payload_too_large', 'The watermark image exceeds the 2 MiB limit');
}
