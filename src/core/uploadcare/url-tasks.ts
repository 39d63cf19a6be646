import { randomUUID } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { UcUrlTasksTable } from '../../adapters/db/schema.js';

/** The upload parameters a URL task carries to its job. */
export interface UrlTaskParams {
  filename?: string;
  stored: boolean;
  expiresAt: string | null;
  metadata: Record<string, string>;
  tags: string[];
}

export interface UrlTask {
  token: string;
  accountId: string;
  sourceUrl: string;
  status: 'waiting' | 'progress' | 'success' | 'error';
  done: number;
  total: number | null;
  fileId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  params: UrlTaskParams;
}

/** `/from_url/` tasks: the token the client polls, the progress and the outcome of the download. */
export class UrlTaskRepository {
  constructor(private readonly db: Db) {}

  async create(
    accountId: string,
    sourceUrl: string,
    saveDuplicate: boolean,
    params: UrlTaskParams,
  ): Promise<UrlTask> {
    const now = new Date().toISOString();
    const row: UcUrlTasksTable = {
      token: randomUUID(),
      account_id: accountId,
      source_url: sourceUrl,
      status: 'waiting',
      done: 0,
      total: null,
      file_id: null,
      error_code: null,
      error_message: null,
      save_duplicate: saveDuplicate ? 1 : 0,
      params: JSON.stringify(params),
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('uc_url_tasks').values(row).execute();
    return toTask(row);
  }

  async get(token: string): Promise<UrlTask | null> {
    const row = await this.db
      .selectFrom('uc_url_tasks')
      .selectAll()
      .where('token', '=', token)
      .executeTakeFirst();
    return row ? toTask(row) : null;
  }

  async progress(token: string, done: number, total: number | null): Promise<void> {
    await this.db
      .updateTable('uc_url_tasks')
      .set({ status: 'progress', done, total, updated_at: new Date().toISOString() })
      .where('token', '=', token)
      .where('status', 'in', ['waiting', 'progress'])
      .execute();
  }

  async succeed(token: string, fileId: string, size: number): Promise<void> {
    await this.db
      .updateTable('uc_url_tasks')
      .set({
        status: 'success',
        file_id: fileId,
        done: size,
        total: size,
        updated_at: new Date().toISOString(),
      })
      .where('token', '=', token)
      .execute();
  }

  async fail(token: string, code: string, message: string): Promise<void> {
    await this.db
      .updateTable('uc_url_tasks')
      .set({
        status: 'error',
        error_code: code,
        error_message: message,
        updated_at: new Date().toISOString(),
      })
      .where('token', '=', token)
      .execute();
  }

  /** The newest saved successful fetch of this URL by this account (check_URL_duplicates). */
  async findDuplicate(accountId: string, sourceUrl: string): Promise<UrlTask | null> {
    const row = await this.db
      .selectFrom('uc_url_tasks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('source_url', '=', sourceUrl)
      .where('status', '=', 'success')
      .where('save_duplicate', '=', 1)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toTask(row) : null;
  }
}

function toTask(row: UcUrlTasksTable): UrlTask {
  return {
    token: row.token,
    accountId: row.account_id,
    sourceUrl: row.source_url,
    status: row.status as UrlTask['status'],
    done: Number(row.done),
    total: row.total === null ? null : Number(row.total),
    fileId: row.file_id,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    params: JSON.parse(row.params) as UrlTaskParams,
  };
}
