import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Asset } from '../assets/asset.js';
import { KilnError } from '../errors/kiln-error.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { JobContext } from '../jobs/job-queue.js';
import { withLocalCopy } from '../media/describe-media.js';
import { extractThumbnail } from '../video/thumbnail.js';
import { parseDocumentPath, parseVideoPath } from './conversion-paths.js';
import { conversionRow, setConversionState } from './conversions.js';
import { saveConvertedFile } from './converted-file.js';
import { convertImageFile, documentMime } from './document-conversion.js';
import { fileUploaded } from './file-events.js';
import { type FileDeps, findFile } from './file-management.js';

/** Conversions write their results through the one ingest path. */
type ConversionDeps = FileDeps & { ingest: Pick<IngestService, 'ingestFile'> };

import { convertVideoFile, videoMime } from './video-conversion.js';

/**
 * The conversion job: the source copied to scratch space, converted (ffmpeg for video, sharp for
 * images), saved as the promised new file (plus the video's thumbnails group), recorded among
 * the source's `variations`. A conversion that cannot succeed (bad media) fails at once with its
 * reason; other failures are retried by the queue and fail the conversion on the last attempt.
 */
export async function runConversion(deps: ConversionDeps, job: JobContext<{ token: number }>): Promise<void> {
  const row = await conversionRow(deps, job.payload.token);
  if (!row || row.status === 'finished' || row.status === 'failed') return;
  // A worker that died after saving the result: the promised file exists, the work is done.
  if (await deps.assets.find(row.account_id, row.result_id)) {
    await setConversionState(deps, row.token, 'finished');
    return;
  }
  await setConversionState(deps, row.token, 'processing');
  const dir = await mkdtemp(join(tmpdir(), 'kiln-uc-convert-'));
  try {
    const source = await findFile(deps, row.account_id, row.source_id);
    if (!source) throw new KilnError('processing_failed', 'The source file was removed.');
    const base = (source.originalName ?? 'original').replace(/\.[^.]*$/, '') || 'original';
    const common = {
      accountId: row.account_id,
      id: row.result_id,
      stored: row.stored === 1,
      copiedFrom: source.id,
    };
    let result: Asset;
    if (row.kind === 'video') {
      const { plan } = parseVideoPath(row.path, deps.config.publicUrl);
      const out = join(dir, `out.${plan.format}`);
      await withLocalCopy(deps.blobs, source.blobKey!, (input) =>
        convertVideoFile(input, out, plan, { signal: job.signal, onProgress: (f) => void job.heartbeat(f) }),
      );
      result = await saveConvertedFile(deps, {
        ...common,
        path: out,
        contentType: videoMime(plan.format),
        name: `${base}.${plan.format}`,
      });
      if (row.thumbnails_group_id) await saveThumbnails(deps, row, out, dir, base, job.signal);
    } else {
      const { plan } = parseDocumentPath(row.path, deps.config.publicUrl);
      const out = join(dir, `out.${plan.format}`);
      await withLocalCopy(deps.blobs, source.blobKey!, (input) => convertImageFile(input, out, plan));
      result = await saveConvertedFile(deps, {
        ...common,
        path: out,
        contentType: documentMime(plan.format),
        name: `${base}.${plan.format}`,
      });
    }
    const variations = {
      ...((source.extra.ucVariations as Record<string, string>) ?? {}),
      [row.path]: result.id,
    };
    await deps.assets.mergeExtra(source.accountId, source.id, { ucVariations: variations });
    await setConversionState(deps, row.token, 'finished');
    await fileUploaded(deps, result, { type: 'system', sourceFileUuid: source.id });
  } catch (err) {
    if (job.signal.aborted) throw err;
    const permanent = err instanceof KilnError && err.status < 500;
    if (permanent || job.attempt >= job.maxAttempts) {
      await setConversionState(
        deps,
        row.token,
        'failed',
        err instanceof KilnError ? err.message : 'Conversion failed.',
      );
      return;
    }
    await setConversionState(deps, row.token, 'pending');
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** N stills spread over the converted video, saved as files and as the promised group. */
async function saveThumbnails(
  deps: ConversionDeps,
  row: { account_id: string; thumbnails_group_id: string | null; stored: number; result_id: string },
  video: string,
  dir: string,
  base: string,
  signal: AbortSignal,
): Promise<void> {
  const count = Number(row.thumbnails_group_id!.split('~')[1]);
  const members = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `thumb-${i}.jpg`);
    await writeFile(path, await extractThumbnail(video, { pct: (i + 0.5) / count, signal }));
    const thumb = await saveConvertedFile(deps, {
      accountId: row.account_id,
      id: randomUUID(),
      path,
      contentType: 'image/jpeg',
      name: `${base}-thumb-${i}.jpg`,
      stored: row.stored === 1,
      copiedFrom: row.result_id,
    });
    members.push({ uuid: thumb.id, effects: '' });
  }
  await deps.db
    .insertInto('uc_groups')
    .values({
      id: row.thumbnails_group_id!,
      account_id: row.account_id,
      files: JSON.stringify(members),
      created_at: new Date().toISOString(),
    })
    .execute();
}
