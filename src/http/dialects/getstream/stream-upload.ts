import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors/kiln-error.js';
import { SNIFF_HEAD_BYTES } from '../../../core/ingest/ingest-meter.js';
import { peekStream } from '../../../core/ingest/peek-stream.js';
import { sanitizeFileName } from '../../../core/ingest/sanitize-file-name.js';
import { sniffContentType } from '../../../core/ingest/sniff-content-type.js';
import { uploadAsset } from '../../../core/ingest/upload-asset.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { discardRequestBody } from '../../request-body/discard-request-body.js';
import { cdnUrl } from './cdn-links.js';
import { authenticateStream, type StreamCaller } from './stream-auth.js';
import { streamDuration } from './stream-errors.js';

/** Stream Feeds v2's upload limit (reference §7.1), counted on the file's bytes. */
export const STREAM_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Room for the multipart boundaries and part headers when judging a Content-Length up front. */
const MULTIPART_SLACK = 64 * 1024;

/** What `images/` accepts, judged from the bytes: the formats the image engine can process. */
const IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
  'image/svg+xml',
]);

/**
 * `POST files/` and `POST images/`: one multipart part `file`, streamed into the store (never
 * buffered), 413 the moment it passes 10 MB with nothing stored. `images/` sniffs the first bytes
 * before storing anything and refuses what is not an image, with Stream's own message.
 */
export async function handleUpload(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  endpoint: 'files' | 'images',
) {
  const caller = await authenticateStream(runtime, request, 'write');
  const length = Number(request.headers['content-length'] ?? Number.NaN);
  if (length > STREAM_MAX_UPLOAD_BYTES + MULTIPART_SLACK) throw errors.tooLarge(STREAM_MAX_UPLOAD_BYTES);
  if (!request.isMultipart())
    throw errors.invalid('Send the upload as multipart/form-data with one part named "file"');
  try {
    return await receive(runtime, request, reply, endpoint, caller);
  } catch (err) {
    discardRequestBody(request);
    throw err;
  }
}

async function receive(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  endpoint: 'files' | 'images',
  caller: StreamCaller,
) {
  const part = await request.file({
    limits: { fileSize: STREAM_MAX_UPLOAD_BYTES + 1, files: 1, fields: 16, parts: 17, fieldSize: 64 * 1024 },
  });
  if (part?.fieldname !== 'file') {
    throw errors.invalid('The multipart part "file" is missing', { field: 'file' });
  }
  const declared = part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : undefined;
  let body: Readable = part.file;
  if (endpoint === 'images') {
    const peeked = await peekStream(part.file, SNIFF_HEAD_BYTES);
    body = peeked.body;
    // The bytes decide (a `.txt` of noise is octet-stream, as Stream reports); only SVG, which has no
    // magic number, may lean on its declared type.
    const sniffed = await sniffContentType(peeked.head, declared === 'image/svg+xml' ? declared : undefined);
    if (!IMAGE_TYPES.has(sniffed.contentType)) {
      body.destroy();
      throw errors.invalid(`File type ${sniffed.contentType} is not supported`, { field: 'file' });
    }
  }
  const asset = await uploadAsset(runtime, {
    accountId: caller.account.id,
    body,
    maxBytes: STREAM_MAX_UPLOAD_BYTES,
    source: 'getstream',
    declaredType: declared,
    originalName: part.filename ? sanitizeFileName(part.filename) : null,
    extra: { userId: caller.userId, endpoint },
  });
  runtime.metrics.ingestedBytes.inc(asset.size);
  return reply.status(201).send({ file: cdnUrl(runtime, asset), duration: streamDuration(request) });
}
