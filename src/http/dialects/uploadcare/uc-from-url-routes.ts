import type { FastifyInstance } from 'fastify';
import { checkAccountLimits } from '../../../core/accounts/account-limits.js';
import { checkFetchUrl, parseFetchUrl } from '../../../core/fetch/check-url.js';
import { type FetchFailureReason, fetchReasonOf } from '../../../core/fetch/fetch-error.js';
import { UC_FROM_URL_JOB } from '../../../core/uploadcare/from-url-job.js';
import { UrlTaskRepository } from '../../../core/uploadcare/url-tasks.js';
import { authenticate, checkSignature } from './uc-auth.js';
import { isVisible } from './uc-base-routes.js';
import { isUuid, type UcContext } from './uc-context.js';
import { type UcErrorCode, ucError } from './uc-errors.js';
import { fileInfo } from './uc-file-info.js';
import { readForm, UcParams } from './uc-params.js';
import { sanitizeFilename, uploadOptions } from './uc-upload-options.js';

/** URL problems found before anything is fetched: answered synchronously by `/from_url/`. */
const URL_ERRORS: Partial<Record<FetchFailureReason, UcErrorCode>> = {
  url_invalid: 'URLParsingFailedError',
  scheme_required: 'URLSchemeRequiredError',
  scheme_invalid: 'URLSchemeInvalidError',
  host_required: 'URLHostRequiredError',
  host_malformed: 'URLHostMalformedError',
  host_not_found: 'HostnameNotFoundError',
  private_ip: 'URLHostPrivateIPForbiddenError',
};

/** `/from_url/` starts a durable download job; `/from_url/status/` reports it (reference §2.5-2.6). */
export async function ucFromUrlRoutes(app: FastifyInstance, ctx: UcContext) {
  const { runtime } = ctx;
  const tasks = new UrlTaskRepository(runtime.db);

  app.post('/from_url/', async (request) => {
    const params = UcParams.fromRequest(request);
    await readForm(request, params, null, { maxFileBytes: 0, maxFiles: 0 });
    const account = await authenticate(runtime, ctx.limiter, params, 'pub_key');
    await checkSignature(runtime, account, params);
    const sourceUrl = params.get('source_url');
    if (!sourceUrl) throw ucError('SourceURLRequiredError');
    try {
      await checkFetchUrl(parseFetchUrl(sourceUrl), runtime.fetchPolicy);
    } catch (err) {
      const code = URL_ERRORS[fetchReasonOf(err) ?? 'url_invalid'];
      throw code ? ucError(code) : ucError('URLValidationError');
    }
    const options = uploadOptions(params, account, 'store');
    const check = flag(params.get('check_URL_duplicates'));
    const save = flag(params.get('save_URL_duplicates')) ?? check;
    if (check) {
      const previous = await tasks.findDuplicate(account.id, sourceUrl);
      const asset = previous?.fileId ? await runtime.assets.find(account.id, previous.fileId) : null;
      if (asset && isVisible(asset)) return { type: 'file_info', ...fileInfo(asset) };
    }
    await checkAccountLimits(runtime, account, [0]);
    const filename = params.get('filename');
    const task = await tasks.create(account.id, sourceUrl, save === true, {
      filename: filename ? sanitizeFilename(filename) || undefined : undefined,
      stored: options.stored,
      expiresAt: options.expiresAt,
      metadata: options.metadata,
      tags: options.tags,
    });
    await runtime.jobs.enqueue(
      UC_FROM_URL_JOB,
      { token: task.token },
      { singletonKey: task.token, maxAttempts: 3 },
    );
    return { type: 'token', token: task.token };
  });

  app.get('/from_url/status/', async (request) => {
    const params = UcParams.fromRequest(request);
    const token = params.get('token');
    if (!token) throw ucError('TokenRequiredError');
    const task = isUuid(token) ? await tasks.get(token.toLowerCase()) : null;
    if (!task) return { status: 'unknown' };
    switch (task.status) {
      case 'waiting':
        return { status: 'waiting' };
      case 'progress':
        return { status: 'progress', done: task.done, total: task.total ?? 'unknown' };
      case 'error':
        return { status: 'error', error: task.errorMessage, error_code: task.errorCode };
      case 'success': {
        const asset = task.fileId ? await runtime.assets.find(task.accountId, task.fileId) : null;
        if (!asset || !isVisible(asset)) return { status: 'unknown' };
        return { status: 'success', ...fileInfo(asset), done: asset.size, total: asset.size };
      }
    }
  });
}

function flag(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === '1' || v.toLowerCase() === 'true';
}
