import type { FastifyInstance } from 'fastify';
import { listFiles } from '../../../core/uploadcare/file-listing.js';
import {
  batchFiles,
  copyFileLocally,
  getFile,
  removeFile,
  storeFile,
} from '../../../core/uploadcare/file-management.js';
import { searchFiles } from '../../../core/uploadcare/file-search.js';
import { restFileView } from '../../../core/uploadcare/file-view.js';
import { copyFileRemotely } from '../../../core/uploadcare/remote-copy.js';
import type { RemoteStorages } from '../../../core/uploadcare/remote-storages.js';
import { restError } from '../../../core/uploadcare/rest-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { booleanParam, pageParams, pageUrl, query } from './rest-query.js';
import { accountOf, apiBase } from './rest-request.js';

/** `/files/`: list, info, store, delete, batch store/delete, local and remote copy. */
export async function restFilesRoutes(app: FastifyInstance, runtime: KilnRuntime, storages: RemoteStorages) {
  const publicUrl = runtime.config.publicUrl;

  app.get('/files/', async (request) => {
    const q = query(request);
    const page = pageParams(q, 'datetime_uploaded');
    const stored = booleanParam(q, 'stored');
    const removed = booleanParam(q, 'removed') ?? false;
    const appdata = q.include === 'appdata';
    const result = await listFiles(runtime.db, {
      accountId: accountOf(request).id,
      stored,
      removed,
      ...page,
    });
    const base = apiBase(publicUrl, request);
    const keep = {
      limit: page.limit,
      ordering: page.descending ? '-datetime_uploaded' : 'datetime_uploaded',
      stored: q.stored,
      removed: q.removed,
      include: q.include,
    };
    return {
      next: result.nextFrom ? pageUrl(base, '/files/', { ...keep, from: result.nextFrom }) : null,
      previous: null,
      total: result.total,
      totals: result.totals,
      per_page: page.limit,
      results: result.files.map((f) => restFileView(f.asset, { publicUrl, appdata, removedAt: f.removedAt })),
    };
  });

  app.post('/files/search/', async (request) => {
    const q = query(request);
    const limit = q.limit ? Number(q.limit) : 20;
    const offset = q.offset ? Number(q.offset) : 0;
    const page = await searchFiles(runtime.db, accountOf(request).id, request.body, { limit, offset });
    const base = apiBase(publicUrl, request);
    const more = offset + limit < page.total && offset + 2 * limit <= 1000;
    return {
      next: more
        ? pageUrl(base, '/files/search/', { limit, offset: offset + limit, include: q.include })
        : null,
      previous:
        offset > 0
          ? pageUrl(base, '/files/search/', {
              limit,
              offset: Math.max(0, offset - limit),
              include: q.include,
            })
          : null,
      total: page.total,
      per_page: limit,
      results: page.files.map((a) => restFileView(a, { publicUrl, appdata: q.include === 'appdata' })),
    };
  });

  app.put('/files/storage/', async (request) => {
    const out = await batchFiles(runtime, accountOf(request).id, request.body, 'store');
    return batchView(out);
  });

  app.delete('/files/storage/', async (request) => {
    const out = await batchFiles(runtime, accountOf(request).id, request.body, 'delete');
    return batchView(out);
  });

  app.post('/files/local_copy/', async (request, reply) => {
    const body = objectBody(request.body);
    const copy = await copyFileLocally(runtime, accountOf(request).id, {
      source: body.source,
      store: body.store,
      metadata: body.metadata,
    });
    return reply.status(201).send({ type: 'file', result: restFileView(copy, { publicUrl }) });
  });

  app.post('/files/remote_copy/', async (request, reply) => {
    const copy = await copyFileRemotely(runtime, storages, accountOf(request).id, objectBody(request.body));
    return reply.status(copy.created ? 201 : 200).send({ type: 'url', result: copy.url });
  });

  app.get<{ Params: { uuid: string } }>('/files/:uuid/', async (request) => {
    const asset = await getFile(runtime, accountOf(request).id, request.params.uuid);
    return restFileView(asset, { publicUrl, appdata: query(request).include === 'appdata' });
  });

  app.put<{ Params: { uuid: string } }>('/files/:uuid/storage/', async (request) => {
    const asset = await storeFile(runtime, accountOf(request).id, request.params.uuid);
    return restFileView(asset, { publicUrl });
  });

  app.delete<{ Params: { uuid: string } }>('/files/:uuid/storage/', async (request) => {
    const { asset, removedAt } = await removeFile(runtime, accountOf(request).id, request.params.uuid);
    return restFileView(asset, { publicUrl, removedAt });
  });

  function batchView(out: Awaited<ReturnType<typeof batchFiles>>) {
    return {
      status: 'ok',
      problems: out.problems,
      result: out.result.map((r) => restFileView(r.asset, { publicUrl, removedAt: r.removedAt })),
    };
  }
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw restError(400, 'Expected JSON object.');
  return body as Record<string, unknown>;
}
