import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Account } from '../../../../core/accounts/account.js';
import { type CfImage, CfImageIds } from '../../../../core/cloudflare-images/image-ids.js';
import { errors, KilnError } from '../../../../core/errors/kiln-error.js';
import type { StagedUpload } from '../../../../core/ingest/ingest-service.js';
import { sanitizeFileName } from '../../../../core/ingest/sanitize-file-name.js';
import { checkIdentity } from './image-create.js';
import { type CfImageExtra, directUploadUrl, IMAGES_SOURCE, imageExtra } from './image-view.js';
import { assertAllowance, type CfImagesContext, maxImageBytes } from './images-context.js';
import { readUploadForm } from './upload-form.js';

const DEFAULT_EXPIRY_MS = 30 * 60 * 1000;
const MIN_EXPIRY_MS = 2 * 60 * 1000;
const MAX_EXPIRY_MS = 6 * 60 * 60 * 1000;

/**
 * `POST /images/v2/direct_upload` (§5.2): a draft image (an asset with no bytes, status `draft`,
 * expiring with its upload URL, so the expiry sweep removes it if nobody uploads) and its one-time
 * upload URL.
 */
export async function createDirectUpload(ctx: CfImagesContext, account: Account, request: FastifyRequest) {
  const { fields } = await readUploadForm(
    request,
    async (file) => {
      (file as Readable).resume();
      throw errors.invalid('A direct upload request carries no file; send it to the uploadURL');
    },
    { fileSize: 0 },
  );
  const assetId = randomUUID();
  const imageId = checkIdentity(fields) ?? assetId;
  const expiresAt = uploadExpiry(fields.expiry);
  await assertAllowance(ctx, account);
  const extra: CfImageExtra = {
    imageId,
    requireSignedURLs: fields.requireSignedURLs === true,
    uploadExpiresAt: expiresAt.toISOString(),
  };
  await ctx.runtime.ingest.openSession(
    {
      id: assetId,
      accountId: account.id,
      kind: 'image',
      status: 'draft',
      metadata: fields.metadata ?? {},
      expiresAt: expiresAt.toISOString(),
      source: IMAGES_SOURCE,
      extra: { ...extra },
    },
    (trx) => new CfImageIds(trx).reserve(account.id, imageId, assetId, fields.creator || null),
  );
  return { id: imageId, uploadURL: directUploadUrl(ctx.runtime.config.publicUrl, account, imageId) };
}

function uploadExpiry(text: string | undefined): Date {
  const now = Date.now();
  if (text === undefined) return new Date(now + DEFAULT_EXPIRY_MS);
  const at = new Date(/^\d+$/.test(text) ? Number(text) * 1000 : text);
  const delta = at.getTime() - now;
  if (Number.isNaN(delta) || delta < MIN_EXPIRY_MS - 5000 || delta > MAX_EXPIRY_MS + 5000) {
    throw errors.invalid('expiry must be a timestamp between 2 minutes and 6 hours from now', {
      cloudflareCode: 5400,
    });
  }
  return at;
}

/**
 * The unauthenticated upload to a draft's URL: claims the draft (one upload wins; a used or expired
 * URL is refused), streams the `file` part in, and turns the draft into a ready image. A failed
 * upload gives the draft back, so the uploader may try again until the URL expires.
 */
export async function completeDirectUpload(
  ctx: CfImagesContext,
  image: CfImage,
  request: FastifyRequest,
): Promise<CfImage> {
  const { runtime } = ctx;
  const asset = image.asset;
  const extra = imageExtra(image);
  const expired = extra.uploadExpiresAt !== undefined && Date.parse(extra.uploadExpiresAt) <= Date.now();
  const claimed =
    asset.status === 'draft' && !expired
      ? await runtime.assets.transition(asset.id, { from: 'draft', to: 'uploading' })
      : null;
  if (!claimed) {
    throw new KilnError(
      'gone',
      expired ? 'This upload URL has expired' : 'This upload URL has already been used',
      {
        status: 400,
        details: { cloudflareCode: 5455 },
      },
    );
  }
  let staged: StagedUpload | undefined;
  try {
    const maxBytes = maxImageBytes(runtime);
    await readUploadForm(
      request,
      async (file, filename, mimetype) => {
        staged = await runtime.ingest.stage({
          accountId: asset.accountId,
          body: file as Readable,
          maxBytes,
          source: IMAGES_SOURCE,
          declaredType: mimetype,
          expect: { kind: 'image' },
          into: asset,
          originalName: sanitizeFileName(filename || 'image'),
          expiresAt: null,
          extra: { uploadExpiresAt: undefined },
        });
      },
      { fileSize: maxBytes },
    );
    if (!staged) throw errors.invalid('A file part is required');
    return { ...image, asset: await staged.commit() };
  } catch (err) {
    await staged?.discard();
    await runtime.assets.transition(asset.id, { from: 'uploading', to: 'draft' }).catch(() => {});
    throw err;
  }
}
