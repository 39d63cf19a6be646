import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../../core/accounts/account.js';
import { originalKey } from '../../../../core/assets/asset.js';
import { AssetRepository } from '../../../../core/assets/asset-repository.js';
import { errors } from '../../../../core/errors/kiln-error.js';
import { safeFetch } from '../../../../core/fetch/safe-fetch.js';
import { type IngestedImage, ingestImage } from '../../../../core/ingest/ingest-image.js';
import { sanitizeFileName } from '../../../../core/ingest/sanitize-file-name.js';
import { type CfImage, CfImageIds } from './image-ids.js';
import { type CfImageExtra, IMAGES_SOURCE } from './image-view.js';
import { assertAllowance, type CfImagesContext, maxImageBytes } from './images-context.js';
import { readUploadForm, type UploadFields, validateCustomId } from './upload-form.js';

const FETCH_TIMEOUT_MS = 30_000;

/**
 * `POST /images/v1`: a `file` part streamed straight into the store, or a `url` fetched safely;
 * validated as an image, then the asset row and the id mapping are written in one transaction.
 */
export async function createImage(
  ctx: CfImagesContext,
  account: Account,
  request: FastifyRequest,
): Promise<CfImage> {
  const { runtime } = ctx;
  const assetId = randomUUID();
  const key = originalKey(account.id, assetId);
  const maxBytes = maxImageBytes(runtime);
  const ingest = (body: NodeJS.ReadableStream, declaredType?: string) =>
    ingestImage(runtime.blobs, key, body as import('node:stream').Readable, {
      maxBytes,
      limits: runtime.images.limits,
      declaredType,
    });

  let stored: { image: IngestedImage; filename: string } | undefined;
  try {
    // Assigned inside the callback, so a later bad field still finds the stored bytes to remove.
    const { fields } = await readUploadForm(
      request,
      async (file, filename, mimetype) => {
        stored = { image: await ingest(file, mimetype), filename };
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
        image: await ingest(fetched.body, fetched.contentType),
        filename: fetched.filename ?? 'image',
      };
    }
    return await commitImage(ctx, account, {
      assetId,
      imageId,
      fields,
      image: stored.image,
      filename: stored.filename,
    });
  } catch (err) {
    if (stored) await runtime.blobs.delete(key).catch(() => {});
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

async function commitImage(
  ctx: CfImagesContext,
  account: Account,
  input: { assetId: string; imageId: string; fields: UploadFields; image: IngestedImage; filename: string },
): Promise<CfImage> {
  const { image, fields } = input;
  const extra: CfImageExtra = {
    imageId: input.imageId,
    requireSignedURLs: fields.requireSignedURLs === true,
  };
  const creator = fields.creator || null;
  const asset = await ctx.runtime.db.transaction().execute(async (trx) => {
    const created = await new AssetRepository(trx).create({
      id: input.assetId,
      accountId: account.id,
      kind: 'image',
      blobKey: image.key,
      size: image.size,
      contentType: image.contentType,
      sha256: image.sha256,
      originalName: sanitizeFileName(input.filename || 'image'),
      metadata: fields.metadata ?? {},
      width: image.meta.width,
      height: image.meta.height,
      source: IMAGES_SOURCE,
      extra: { ...extra },
    });
    await new CfImageIds(trx).reserve(account.id, input.imageId, input.assetId, creator);
    return created;
  });
  ctx.runtime.metrics.ingestedBytes.inc(asset.size);
  return { imageId: input.imageId, creator, asset };
}
