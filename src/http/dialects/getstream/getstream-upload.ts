import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors/kiln-error.js';
import { PROCESSABLE_IMAGE_TYPES } from '../../../core/images/image-formats.js';
import type { ExpectImage } from '../../../core/ingest/ingest-service.js';
import { sanitizeFileName } from '../../../core/ingest/sanitize-file-name.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { discardRequestBody } from '../../request-body/discard-request-body.js';
import { cdnUrl } from './cdn-links.js';
import { authenticateStream, type StreamCaller } from './getstream-auth.js';
import { streamDuration } from './getstream-errors.js';

/** Stream Feeds v2's upload limit (reference §7.1), counted on the file's bytes. */
export const STREAM_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Room for the multipart boundaries and part headers when judging a Content-Length up front. */
const MULTIPART_SLACK = 64 * 1024;

/** What `images/` accepts, judged from the first bytes: the formats the image engine can process. */
const STREAM_IMAGES: ExpectImage = {
  kind: 'image',
  refuse: (contentType) => errors.invalid(`File type ${contentType} is not supported`, { field: 'file' }),
  types: PROCESSABLE_IMAGE_TYPES,
};

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
  const asset = await runtime.ingest.ingest({
    accountId: caller.account.id,
    body: part.file,
    maxBytes: STREAM_MAX_UPLOAD_BYTES,
    source: 'getstream',
    // The bytes decide for images/ (a `.txt` of noise is octet-stream, as Stream reports); only
    // SVG, which has no magic number, may lean on its declared type.
    declaredType: endpoint === 'images' && declared !== 'image/svg+xml' ? undefined : declared,
    expect: endpoint === 'images' ? STREAM_IMAGES : undefined,
    originalName: part.filename ? sanitizeFileName(part.filename) : null,
    extra: { userId: caller.userId, endpoint },
  });
  return reply.status(201).send({ file: cdnUrl(runtime, asset), duration: streamDuration(request) });
}
