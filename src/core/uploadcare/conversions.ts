import { randomInt, randomUUID } from 'node:crypto';
import type { UcConversionsTable } from '../../adapters/db/schema.js';
import { isImage, mediaFacts } from './content-info.js';
import { PathProblem, parseDocumentPath, parseVideoPath } from './conversion-paths.js';
import { type FileDeps, findFile } from './file-management.js';
import { restError, restNotFound } from './rest-error.js';

export const UC_CONVERT_JOB = 'uc.convert';
export type ConversionKind = 'video' | 'document';

export interface ConversionSubmitted {
  problems: Record<string, string>;
  result: Array<{ original_source: string; uuid: string; token: number; thumbnails_group_uuid?: string }>;
}

/**
 * `POST /convert/{video,document}/`: each path parsed and checked now (its problem reported under
 * the path), then one durable job per path; the new file's uuid (and the thumbnails group's id)
 * are promised at once and exist when the job finishes.
 */
export async function submitConversions(
  deps: FileDeps,
  accountId: string,
  kind: ConversionKind,
  body: unknown,
): Promise<ConversionSubmitted> {
  const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as {
    paths?: unknown;
    store?: unknown;
  };
  if (
    !Array.isArray(input.paths) ||
    input.paths.length === 0 ||
    input.paths.some((p) => typeof p !== 'string')
  )
    throw restError(400, '“paths” parameter is required.');
  const stored = await storeChoice(deps, accountId, input.store);
  const out: ConversionSubmitted = { problems: {}, result: [] };
  for (const path of input.paths as string[]) {
    try {
      const { uuid, thumbs } = await checkPath(deps, accountId, kind, path);
      const token = randomInt(1, 2 ** 31 - 1);
      const resultId = randomUUID();
      const groupId = thumbs ? `${randomUUID()}~${thumbs}` : null;
      const now = new Date().toISOString();
      await deps.db
        .insertInto('uc_conversions')
        .values({
          token,
          account_id: accountId,
          kind,
          source_id: uuid,
          path,
          result_id: resultId,
          thumbnails_group_id: groupId,
          stored: stored ? 1 : 0,
          status: 'pending',
          error: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await deps.jobs.enqueue(
        UC_CONVERT_JOB,
        { token },
        { maxAttempts: 3, backoffMs: 2000, leaseSeconds: 600 },
      );
      out.result.push({
        original_source: path,
        uuid: resultId,
        token,
        ...(groupId ? { thumbnails_group_uuid: groupId } : {}),
      });
    } catch (err) {
      if (!(err instanceof PathProblem)) throw err;
      out.problems[path] = err.message;
    }
  }
  return out;
}

async function checkPath(deps: FileDeps, accountId: string, kind: ConversionKind, path: string) {
  const publicUrl = deps.config.publicUrl;
  const parsed = kind === 'video' ? parseVideoPath(path, publicUrl) : parseDocumentPath(path, publicUrl);
  const source = await findFile(deps, accountId, parsed.uuid);
  if (!source) throw new PathProblem(`Bad path "${path}". Use UUID or CDN URL`);
  if (source.status !== 'ready') throw new PathProblem('File is not ready yet.');
  if (kind === 'video' && !mediaFacts(source).av?.video) throw new PathProblem('The file is not a video.');
  if (kind === 'document' && !isImage(source))
    throw new PathProblem(`Conversion of ${source.contentType} files is not supported on this server.`);
  const thumbs = kind === 'video' ? ((parsed.plan as { thumbs?: number }).thumbs ?? 1) : 0;
  return { uuid: parsed.uuid, thumbs };
}

/** `GET /convert/{kind}/status/{token}/`. */
export async function conversionStatus(
  deps: FileDeps,
  accountId: string,
  kind: ConversionKind,
  token: string,
) {
  const row = /^\d{1,12}$/.test(token)
    ? await deps.db
        .selectFrom('uc_conversions')
        .selectAll()
        .where('token', '=', Number(token))
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .executeTakeFirst()
    : undefined;
  if (!row) throw restNotFound();
  return {
    status: row.status,
    error: row.error,
    result: {
      uuid: row.result_id,
      ...(row.thumbnails_group_id ? { thumbnails_group_uuid: row.thumbnails_group_id } : {}),
    },
  };
}

export async function conversionRow(deps: FileDeps, token: number): Promise<UcConversionsTable | undefined> {
  return deps.db.selectFrom('uc_conversions').selectAll().where('token', '=', token).executeTakeFirst();
}

export async function setConversionState(
  deps: FileDeps,
  token: number,
  status: string,
  error: string | null = null,
) {
  await deps.db
    .updateTable('uc_conversions')
    .set({ status, error, updated_at: new Date().toISOString() })
    .where('token', '=', token)
    .execute();
}

async function storeChoice(deps: FileDeps, accountId: string, value: unknown): Promise<boolean> {
  if (value === undefined || value === null || value === 'auto')
    return (await deps.accounts.get(accountId)).settings.autoStore !== false;
  if (value === true || value === '1' || value === 'true') return true;
  if (value === false || value === '0' || value === 'false') return false;
  throw restError(400, '`store` parameter should be `0`, `1`, `false` or `true`.');
}
