import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { checkAccountLimits } from '../../../core/accounts/account-limits.js';
import type { Asset } from '../../../core/assets/asset.js';
import { deleteAsset } from '../../../core/assets/delete-asset.js';
import { makeScratchDir } from '../../../core/media/scratch-space.js';
import { declaredTypeExtra } from '../../../core/uploadcare/content-info.js';
import { fileUploaded } from '../../../core/uploadcare/file-events.js';
import { authenticate, checkSignature } from './uc-auth.js';
import { isUuid, type UcContext } from './uc-context.js';
import { ucError } from './uc-errors.js';
import { fileInfo } from './uc-file-info.js';
import { readForm, UcParams } from './uc-params.js';
import { uploadOptions } from './uc-upload-options.js';

/** Files in one direct upload request. */
const MAX_FILES_PER_REQUEST = 100;

/** `POST /base/` (direct uploads, one or several files) and `GET /info/`. */
export async function ucBaseRoutes(app: FastifyInstance, ctx: UcContext) {
  const { runtime } = ctx;

  app.post('/base/', async (request) => {
    const params = UcParams.fromRequest(request);
    const dir = await makeScratchDir('kiln-uc-base');
    const created: Asset[] = [];
    try {
      const files = await readForm(request, params, dir, {
        maxFileBytes: runtime.config.uploadcareDirectMaxBytes,
        maxFiles: MAX_FILES_PER_REQUEST,
      });
      const account = await authenticate(runtime, ctx.limiter, params, 'UPLOADCARE_PUB_KEY');
      await checkSignature(runtime, account, params);
      const options = uploadOptions(params, account, 'UPLOADCARE_STORE');
      if (files.length === 0) throw ucError('FileRequiredError');
      if (new Set(files.map((f) => f.field)).size !== files.length) throw ucError('FileIdNotUniqueError');
      await checkAccountLimits(
        runtime,
        account,
        files.map((f) => f.size),
      );
      const out: Record<string, string> = {};
      for (const file of files) {
        const asset = await runtime.ingest.ingestFile({
          accountId: account.id,
          path: file.path,
          source: 'uploadcare',
          originalName: file.filename,
          declaredType: file.mimetype,
          metadata: options.metadata,
          stored: options.stored,
          expiresAt: options.expiresAt,
          extra: { tags: options.tags, ...declaredTypeExtra(file.mimetype) },
          maxBytes: runtime.config.uploadcareDirectMaxBytes,
        });
        created.push(asset);
        out[file.field] = asset.id;
      }
      for (const asset of created) await fileUploaded(runtime, asset);
      return out;
    } catch (err) {
      // All files of a request or none.
      for (const a of created) await deleteAsset(runtime, a.accountId, a.id).catch(() => {});
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  app.get('/info/', async (request) => {
    const params = UcParams.fromRequest(request);
    const account = await authenticate(runtime, ctx.limiter, params, 'pub_key');
    const id = params.get('file_id');
    if (!id) throw ucError('FileIdRequiredError');
    if (!isUuid(id)) throw ucError('FileIdInvalidError');
    const asset = await runtime.assets.find(account.id, id.toLowerCase());
    if (!asset || !isVisible(asset)) throw ucError('FileNotFoundError');
    return fileInfo(asset);
  });
}

/** A file the API shows: not a multipart upload still in progress, not a temporary file past its time. */
export function isVisible(asset: Asset): boolean {
  if (asset.status === 'uploading' || asset.status === 'completing') return false;
  return asset.expiresAt === null || asset.expiresAt > new Date().toISOString();
}
