import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../../core/accounts/account.js';
import { type CfImage, CfImageIds } from '../../../../core/cloudflare-images/image-ids.js';
import { errors } from '../../../../core/errors/kiln-error.js';
import { safeFetch } from '../../../../core/fetch/safe-fetch.js';
import type { StagedUpload } from '../../../../core/ingest/ingest-service.js';
import { sanitizeFileName } from '../../../../core/ingest/sanitize-file-name.js';
import { type CfImageExtra, IMAGES_SOURCE } from './image-view.js';
import { assertAllowance, type CfImagesContext, maxImageBytes } from './images-context.js';
import { readUploadForm, type UploadFields, validateCustomId } from './upload-form.js';

const FETCH_TIMEOUT_MS = 30_000;

/**
 * `POST /images/v1`: a `file` part streamed straight into the store, or a `url` fetched safely;
 * checked as an image by the ingest service, which writes the asset row and the id mapping in one
 * transaction.
 */
export async function createImage(
  ctx: CfImagesContext,
  account: Account,
  request: FastifyRequest,
): Promise<CfImage> {
  const { runtime } = ctx;
  const assetId = randomUUID();
  const maxBytes = maxImageBytes(runtime);
  const stage = (body: NodeJS.ReadableStream, declaredType?: string) =>
    runtime.ingest.stage({
      id: assetId,
      accountId: account.id,
      body: body as Readable,
      maxBytes,
      source: IMAGES_SOURCE,
      kind: 'image',
      declaredType,
      expect: { kind: 'image' },
    });

  let stored: { upload: StagedUpload; filename: string } | undefined;
  try {
    // Assigned inside the callback, so a later bad field still finds the stored bytes to remove.
    const { fields } = await readUploadForm(
      request,
      async (file, filename, mimetype) => {
        stored = { upload: await stage(file, mimetype), filename };
      },
      { fileSize: maxBytes },
    );
    if (stored && fields.url) throw errors.invalid('Send either a file or a url, not both');
    if (!stored && !fields.url) throw errors.invalid('A file part or a url field is required');
    const imageId = checkIdentity(fields) ?? assetId;
    if (fields.id) await ctx.ids.assertFree(account.id, imageId);
    await assertAllowance(ctx, account);
    if (!stored) {
      const fetched = await safeFetch(fields.url!, {
        ...runtime.fetchPolicy,
        maxBytes,
        timeoutMs: FETCH_TIMEOUT_MS,
      });
      stored = {
        upload: await stage(fetched.body, fetched.contentType),
        filename: fetched.filename ?? 'image',
      };
    }
    const creator = fields.creator || null;
    const extra: CfImageExtra = { imageId, requireSignedURLs: fields.requireSignedURLs === true };
    const asset = await stored.upload.commit({
      originalName: sanitizeFileName(stored.filename || 'image'),
      metadata: fields.metadata ?? {},
      extra: { ...extra },
      withinTransaction: (trx) => new CfImageIds(trx).reserve(account.id, imageId, assetId, creator),
    });
    return { imageId, creator, asset };
  } catch (err) {
    await stored?.upload.discard();
    throw err;
  }
}

/** The custom id (validated) or undefined; custom ids cannot be private (§5.1). */
export function checkIdentity(fields: UploadFields): string | undefined {
  if (fields.id === undefined) return undefined;
  const id = validateCustomId(fields.id);
  if (fields.requireSignedURLs) {
    throw errors.invalid('Images with a custom id cannot require signed URLs', { cloudflareCode: 5400 });
  }
  return id;
}
