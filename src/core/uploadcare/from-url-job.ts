import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UrlPolicy } from '../fetch/check-url.js';
import { fetchReasonOf } from '../fetch/fetch-error.js';
import { safeFetch } from '../fetch/safe-fetch.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { JobContext } from '../jobs/job-queue.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { type FileEventDeps, fileUploaded } from './file-events.js';
import { UrlTaskRepository } from './url-tasks.js';

export const UC_FROM_URL_JOB = 'uploadcare.from_url';
const PROGRESS_EVERY_MS = 250;

/**
 * Downloads a `/from_url/` source (SSRF-safe, size and time limited) to a local file while
 * reporting done/total, then ingests it. Download failures end the task with Uploadcare's
 * DownloadFile* codes, which `/from_url/status/` reports. A rerun after success does nothing.
 */
/** What the download job needs; the composition root passes the runtime, which has all of it. */
export interface FromUrlDeps extends FileEventDeps {
  ingest: Pick<IngestService, 'ingestFile'>;
  fetchPolicy: UrlPolicy;
  log: { info(obj: object, msg: string): void };
  config: FileEventDeps['config'] & { maxUploadBytes: number; uploadcareFetchTimeoutSeconds: number };
}

export async function runFromUrlJob(runtime: FromUrlDeps, job: JobContext<{ token: string }>): Promise<void> {
  const tasks = new UrlTaskRepository(runtime.db);
  const task = await tasks.get(job.payload.token);
  if (!task || task.status === 'success' || task.status === 'error') return;
  const account = await runtime.accounts.get(task.accountId).catch(() => null);
  if (!account) return tasks.fail(task.token, 'DownloadFileTaskFailedError', 'download task failed.');
  const maxBytes = Math.min(
    runtime.config.maxUploadBytes,
    typeof account.settings.maxFileSize === 'number' ? account.settings.maxFileSize : Number.MAX_SAFE_INTEGER,
  );
  const timeoutSeconds = runtime.config.uploadcareFetchTimeoutSeconds;
  const dir = await makeScratchDir('kiln-uc-url');
  try {
    const res = await safeFetch(task.sourceUrl, {
      ...runtime.fetchPolicy,
      maxBytes,
      timeoutMs: timeoutSeconds * 1000,
      signal: job.signal,
    });
    const total = res.contentLength ?? null;
    let done = 0;
    let last = 0;
    await tasks.progress(task.token, 0, total);
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS) return cb(null, chunk);
        last = now;
        tasks.progress(task.token, done, total).then(() => cb(null, chunk), cb);
        void job.heartbeat(total ? done / total : undefined).catch(() => {});
      },
    });
    const path = join(dir, 'download');
    await pipeline(res.body, meter, createWriteStream(path));
    const name = task.params.filename ?? res.filename ?? 'original';
    const asset = await runtime.ingest.ingestFile({
      accountId: task.accountId,
      path,
      source: 'uploadcare',
      originalName: name,
      declaredType: res.contentType,
      metadata: task.params.metadata,
      stored: task.params.stored,
      expiresAt: task.params.expiresAt,
      extra: { tags: task.params.tags, sourceUrl: task.sourceUrl },
      maxBytes,
    });
    await tasks.succeed(task.token, asset.id, asset.size);
    await fileUploaded(runtime, asset);
  } catch (err) {
    if (job.signal.aborted) throw err; // shutting down: the job is retried elsewhere
    const [code, message] = downloadError(err, maxBytes, timeoutSeconds);
    runtime.log.info({ token: task.token, code, err }, 'from_url download failed');
    await tasks.fail(task.token, code, message);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Uploadcare's download error table (reference §11, "FromURL download errors"). */
function downloadError(err: unknown, maxBytes: number, timeoutSeconds: number): [string, string] {
  const limited = (err as { details?: { accountLimit?: string } }).details?.accountLimit;
  if (limited === 'maxFileSize')
    return ['DownloadFileSizeLimitExceededError', `Downloaded file is too big: > ${maxBytes}.`];
  if (limited) return ['AccountLimitsExceededError', 'Account has reached its limits.'];
  const reason = fetchReasonOf(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (reason) {
    case 'too_large':
      return ['DownloadFileSizeLimitExceededError', `Downloaded file is too big: > ${maxBytes}.`];
    case 'timeout':
      return [
        'DownloadFileTimeLimitExceededError',
        `Failed to download the file within the allotted time limit of ${timeoutSeconds} seconds.`,
      ];
    case 'http_status': {
      const status = Number(/HTTP (\d{3})/.exec(message)?.[1] ?? 0);
      return status >= 500
        ? ['DownloadFileHTTPServerError', `HTTP server error: ${status}.`]
        : ['DownloadFileHTTPClientError', `HTTP client error: ${status}.`];
    }
    case 'private_ip':
    case 'redirects':
    case 'host_not_found':
    case 'host_malformed':
    case 'scheme_invalid':
    case 'url_invalid':
      return ['DownloadFileHTTPURLValidationError', `HTTP URL validation error: ${message}`];
    case 'connection':
      return ['DownloadFileHTTPNetworkError', `HTTP network error: ${message}`];
    default:
      return ['DownloadFileError', 'Failed to download the file.'];
  }
}
