import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { checkAccountLimits } from '../../../core/accounts/account-limits.js';
import { isMultipartCapable, isPresignCapable } from '../../../core/blobs/blob-store.js';
import { KilnError } from '../../../core/errors/kiln-error.js';
import { signedPath, verifySignedPath } from '../../../core/signing/signed-link.js';
import { fileUploaded } from '../../../core/uploadcare/file-events.js';
import {
  completeMultipart,
  multipartState,
  partCount,
  startMultipart,
} from '../../../core/uploadcare/multipart-upload.js';
import { authenticate, checkSignature } from './uc-auth.js';
import { isUuid, type UcContext } from './uc-context.js';
import { ucError } from './uc-errors.js';
import { fileInfo } from './uc-file-info.js';
import { readForm, UcParams } from './uc-params.js';
import { uploadOptions } from './uc-upload-options.js';

const MIN_FILE = 10_485_760;
const MIN_PART = 5_242_880;
const MAX_PART = 5_368_709_120;
const MAX_PARTS = 10_000;
/** S3 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 86400;

/**
 * Multipart uploads: start hands out exactly ceil(size/part_size) part URLs in byte order (on S3
 * presigned straight to the store, on the local disk signed Kiln URLs), the client PUTs parts in
 * any order and in parallel, complete assembles and checks the sizes.
 */
export async function ucMultipartRoutes(app: FastifyInstance, ctx: UcContext) {
  const { runtime } = ctx;

  app.post('/multipart/start/', async (request) => {
    const params = UcParams.fromRequest(request);
    await readForm(request, params, null, { maxFileBytes: 0, maxFiles: 0 });
    const account = await authenticate(runtime, ctx.limiter, params, 'UPLOADCARE_PUB_KEY');
    await checkSignature(runtime, account, params);
    const options = uploadOptions(params, account, 'UPLOADCARE_STORE');
    const rawSize = params.get('size');
    if (rawSize === undefined) throw ucError('RequestParamRequiredError', 'size');
    if (!/^\d{1,16}$/.test(rawSize)) throw ucError('MultipartSizeInvalidError');
    const size = Number(rawSize);
    const rawPart = params.get('part_size') ?? String(MIN_PART);
    if (!/^\d{1,16}$/.test(rawPart)) throw ucError('MultipartPartSizeInvalidError');
    const partSize = Number(rawPart);
    if (size < MIN_FILE) throw ucError('MultipartFileSizeTooSmallError', MIN_FILE);
    if (partSize < MIN_PART) throw ucError('MultipartPartSizeTooSmallError', MIN_PART);
    if (partSize > MAX_PART) throw ucError('MultipartPartSizeTooBigError', MAX_PART);
    if (size > runtime.config.maxUploadBytes || partCount(size, partSize) > MAX_PARTS) {
      throw ucError('MultipartFileSizeLimitExceededError');
    }
    try {
      await checkAccountLimits(runtime, account, [size]);
    } catch (err) {
      if (err instanceof KilnError && err.details.accountLimit === 'maxFileSize')
        throw ucError('MultipartFileSizeLimitExceededError');
      throw err;
    }
    const asset = await startMultipart(runtime, {
      accountId: account.id,
      filename: params.get('filename') ?? 'original',
      size,
      partSize,
      contentType: params.get('content_type') ?? 'application/octet-stream',
      metadata: options.metadata,
      stored: options.stored,
      expiresAt: options.expiresAt,
      extra: { tags: options.tags },
    });
    const state = multipartState(asset)!;
    const ttl = Math.min(runtime.config.uploadcareMultipartTtlSeconds, MAX_PRESIGN_SECONDS);
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const parts: string[] = [];
    for (let n = 1; n <= partCount(size, partSize); n++) {
      parts.push(
        isPresignCapable(runtime.blobs)
          ? await runtime.blobs.presignPartUpload(state.key, state.uploadId, n, ttl)
          : `${runtime.config.publicUrl}${signedPath(`/uploadcare/multipart/part/${asset.id}/${n}/`, expires, runtime.linkKey)}`,
      );
    }
    return { uuid: asset.id, parts };
  });

  // Part PUTs to Kiln itself (local disk): the signed URL is the credential; 200 with an empty body.
  app.put('/multipart/part/:uuid/:n/', async (request, reply) => {
    verifySignedPath(request.url, runtime.linkKey);
    const { uuid, n } = request.params as { uuid: string; n: string };
    const asset = isUuid(uuid) ? await runtime.assets.findAnyAccount(uuid) : null;
    const state = asset ? multipartState(asset) : null;
    const part = Number(n);
    if (!asset || !state || asset.status !== 'uploading') throw ucError('MultipartFileNotFoundError');
    if (!Number.isInteger(part) || part < 1 || part > partCount(state.size, state.partSize))
      throw ucError('UploadViewsError');
    if (!isMultipartCapable(runtime.blobs)) throw ucError('UploadAPIError');
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > state.partSize) throw ucError('MultipartUploadSizeTooLargeError');
    await runtime.blobs.uploadPart(state.key, state.uploadId, part, request.body as Readable, {
      size: Number.isFinite(length) ? length : undefined,
    });
    return reply.status(200).send('');
  });

  app.post('/multipart/complete/', async (request) => {
    const params = UcParams.fromRequest(request);
    await readForm(request, params, null, { maxFileBytes: 0, maxFiles: 0 });
    const account = await authenticate(runtime, ctx.limiter, params, 'UPLOADCARE_PUB_KEY');
    const uuid = params.get('uuid');
    if (!uuid) throw ucError('MultipartFileIdRequiredError');
    if (!isUuid(uuid)) throw ucError('UUIDInvalidError');
    const asset = await completeMultipart(runtime, account.id, uuid.toLowerCase());
    await fileUploaded(runtime, asset);
    return fileInfo(asset);
  });
}
