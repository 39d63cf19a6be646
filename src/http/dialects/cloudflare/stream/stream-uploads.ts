import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../../../../core/accounts/account.js';
import type { Asset } from '../../../../core/assets/asset.js';
import {
  creatorOf,
  MAX_EXPIRY_MS,
  parseExpiry,
  parseMaxDuration,
  parseOrigins,
  parsePct,
  parseRfc3339,
  parseScheduledDeletion,
  type VideoSettings,
} from '../../../../core/cloudflare-stream/stream-options.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { claimUpload } from '../../../../core/video/upload-claim.js';
import { streamFacts } from '../../../../core/video/video-facts.js';
import { ingestVideoBytes, updateFacts } from '../../../../core/video/videos.js';
import { resolveWatermark } from '../../../../core/video/watermarks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { DEFER_LENGTH_UNSUPPORTED, handleTusInEnvelope } from '../../../errors/tus-in-envelope.js';
import { renderCloudflareError } from '../envelope.js';
import { discardCreated, MAX_TUS_UPLOAD_BYTES, type StreamTusCreation, streamTus } from './stream-tus.js';
import { parseUploadMetadata } from './tus-metadata.js';

/** Basic POST uploads (API and direct creator URL) are limited to 200 MB. */
export const MAX_BASIC_UPLOAD_BYTES = 200 * 1024 * 1024;

/**
 * `POST /accounts/:a/stream` with Tus-Resumable: validate, then let @tus/server create the upload
 * (its naming function makes the video row from this validated creation) and answer.
 */
export async function tusCreate(
  runtime: KilnRuntime,
  account: Account,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const h = request.headers;
  if (h['tus-resumable'] !== '1.0.0') {
    throw new KilnError('precondition_failed', 'Tus-Resumable must be 1.0.0', {
      details: { cloudflareCode: 10005 },
    });
  }
  if (h['upload-defer-length'] !== undefined) throw bad(DEFER_LENGTH_UNSUPPORTED.body);
  const lengthHeader = String(h['upload-length'] ?? '');
  if (!/^\d+$/.test(lengthHeader)) throw bad('Upload-Length is required and must be a non-negative integer');
  const length = Number(lengthHeader);
  if (length > MAX_TUS_UPLOAD_BYTES) {
    throw new KilnError(
      'payload_too_large',
      `Upload-Length exceeds the limit of ${MAX_TUS_UPLOAD_BYTES} bytes`,
    );
  }
  const meta = parseUploadMetadata(
    typeof h['upload-metadata'] === 'string' ? h['upload-metadata'] : undefined,
  );
  const settings = settingsFromMetadata(meta);
  const q = request.query as Record<string, string | undefined>;
  // direct_user: the upload URL is handed to an end user and works without the token.
  const directUser = q.direct_user === 'true';
  const expiry = meta.get('expiry');
  const uploadExpiry =
    directUser || expiry
      ? parseExpiry(expiry ?? undefined)
      : new Date(Date.now() + MAX_EXPIRY_MS).toISOString();
  await runtime.ingest.admit(account.id, { files: 1, size: length });
  const watermark = await resolveWatermark(runtime, account.id, settings.watermarkUid);
  let uid: string | undefined;
  const creation: StreamTusCreation = {
    video: {
      ...settings,
      watermark,
      accountId: account.id,
      state: 'pendingupload',
      uploadKind: 'tus',
      uploadLength: length,
      uploadExpiry,
      uploadCapability: directUser,
      creator: creatorOf(h, settings),
    },
    created: (id) => {
      uid = id;
      reply.raw.setHeader('stream-media-id', id);
    },
  };
  reply.hijack();
  reply.raw.setHeader(
    'Access-Control-Expose-Headers',
    'Location, stream-media-id, Upload-Offset, Upload-Expires',
  );
  const tus = streamTus(runtime);
  const handle = (req: IncomingMessage, res: ServerResponse) => tus.handle(req, res, { creation });
  await handleTusInEnvelope(handle, request, reply.raw, renderCloudflareError);
  if (uid && reply.raw.statusCode >= 300) await discardCreated(runtime, account.id, uid);
}

/** The Stream keys of Upload-Metadata; any other key lands in meta (Uppy's filetype, filename...). */
function settingsFromMetadata(meta: Map<string, string | null>): VideoSettings {
  const s: VideoSettings & { meta: Record<string, unknown> } = { meta: {} };
  for (const [key, value] of meta) {
    switch (key) {
      case 'name':
        s.meta.name = value ?? '';
        break;
      case 'requiresignedurls':
        s.requireSignedURLs = value === null || value === '' || value.toLowerCase() === 'true';
        break;
      case 'allowedorigins':
        s.allowedOrigins = parseOrigins((value ?? '').split(','));
        break;
      case 'thumbnailtimestamppct':
        s.thumbnailTimestampPct = parsePct(value);
        break;
      case 'maxdurationseconds':
        s.maxDurationSeconds = parseMaxDuration(value);
        break;
      case 'scheduleddeletion':
        s.scheduledDeletion = parseScheduledDeletion(value);
        break;
      case 'expiry':
        parseRfc3339(value, 'expiry');
        break;
      case 'watermark':
        s.watermarkUid = value;
        break;
      default:
        s.meta[key] = value;
    }
  }
  return s;
}

/** The `file` part of a multipart body, streamed into the video (at most 200 MB). */
export async function receiveFilePart(
  runtime: KilnRuntime,
  request: FastifyRequest,
  video: Asset,
): Promise<Asset> {
  if (!request.isMultipart()) throw bad('Expected a multipart/form-data body with a file part named "file"');
  // One byte of slack: busboy would end the part quietly at its limit (truncated), while
  // ingestStream fails mid-stream past MAX_BASIC_UPLOAD_BYTES before the row changes at all.
  for await (const part of request.parts({
    limits: { fileSize: MAX_BASIC_UPLOAD_BYTES + 1, files: 1, fields: 20 },
  })) {
    if (part.type !== 'file') {
      // A basic upload may name a watermark profile in a form field sent before the file.
      const named = part.fieldname === 'watermark' && typeof part.value === 'string' && part.value !== '';
      if (named && streamFacts(video).uploadKind === 'api') {
        const watermark = await resolveWatermark(runtime, video.accountId, part.value as string);
        video = await updateFacts(runtime.assets, video, {
          watermarkUid: part.value as string,
          watermark,
        });
      }
      continue;
    }
    if (part.fieldname !== 'file') {
      part.file.resume();
      continue;
    }
    const uploaded = await ingestVideoBytes(runtime, video, part.file, {
      maxBytes: MAX_BASIC_UPLOAD_BYTES,
      name: part.filename || null,
    });
    if (part.file.truncated)
      throw new KilnError('payload_too_large', 'The file exceeds the 200 MB limit of basic uploads');
    return uploaded;
  }
  throw bad('The multipart body has no part named "file"');
}

/**
 * A direct creator upload URL accepts one basic POST: it is claimed first (atomically, so of two
 * simultaneous POSTs exactly one goes on), released if the upload fails.
 */
export async function claimDirectUpload(
  runtime: KilnRuntime,
  video: Asset,
  request: FastifyRequest,
): Promise<Asset> {
  const claimed = await claimUpload(runtime.assets, video);
  try {
    return await receiveFilePart(runtime, request, {
      ...claimed,
      extra: { ...claimed.extra, uploadUsed: false },
    });
  } catch (err) {
    const fresh = await runtime.assets.find(video.accountId, video.id);
    if (fresh && fresh.status === 'pendingupload')
      await updateFacts(runtime.assets, fresh, { uploadUsed: false });
    throw err;
  }
}

function bad(message: string): KilnError {
  return new KilnError('invalid_input', message, { details: { cloudflareCode: 10005 } });
}
