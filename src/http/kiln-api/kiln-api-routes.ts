import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { limitsOf } from '../../core/accounts/account-limits.js';
import { deleteAsset } from '../../core/assets/delete-asset.js';
import { errors } from '../../core/errors/kiln-error.js';
import { sanitizeFileName } from '../../core/ingest/sanitize-file-name.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { assetView } from './asset-view.js';
import { requireBearerAccount } from './bearer-auth.js';
import {
  accountSchema,
  assetIdParams,
  assetListSchema,
  assetSchema,
  errorBody,
  errorResponses,
  listQuerySchema,
} from './kiln-api-schemas.js';

const bearer = [{ bearer: [] }];

const listQuery = z.object({
  kind: z.enum(['file', 'image', 'video']).optional(),
  search: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * Kiln's native API (Bearer API token): raw-body uploads streamed to the blob store, list, get,
 * delete, and the account's usage. The dashboard and `kiln upload` use it.
 */
export async function kilnApiRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  // Upload bodies are streamed, never parsed or buffered.
  app.addHook('onRequest', async (request) => runtime.rateLimits.ip.consume(request.ip, 'client address'));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/assets',
    {
      schema: {
        summary: 'Upload a file (the raw request body, streamed)',
        description:
          'Send the bytes as the body; the content type is sniffed from them. For large files use the resumable tus endpoint `/kiln/v1/uploads`.',
        tags: ['assets'],
        security: bearer,
        querystring: { type: 'object', properties: { name: { type: 'string', description: 'File name' } } },
        headers: {
          type: 'object',
          properties: { 'x-kiln-filename': { type: 'string', description: 'URI-encoded file name' } },
        },
        response: { 201: assetSchema, 413: { description: 'Too large', ...errorBody }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const account = await requireBearerAccount(runtime, request);
      const q = request.query as Record<string, string | undefined>;
      const header = request.headers['x-kiln-filename'];
      const name = q.name ?? (typeof header === 'string' ? decodeHeader(header) : undefined);
      const declared = request.headers['content-type'];
      const length = Number(request.headers['content-length'] ?? Number.NaN);
      if (length > runtime.config.maxUploadBytes) throw errors.tooLarge(runtime.config.maxUploadBytes);
      const asset = await runtime.ingest.ingest({
        accountId: account.id,
        body: request.raw,
        maxBytes: runtime.config.maxUploadBytes,
        declaredSize: Number.isFinite(length) ? length : undefined,
        source: 'kiln',
        declaredType: declared && declared !== 'application/octet-stream' ? declared : undefined,
        originalName: name ? sanitizeFileName(name) : null,
      });
      return reply.status(201).send(assetView(runtime, asset));
    },
  );

  const listSchema = {
    summary: 'List assets, newest first',
    tags: ['assets'],
    security: bearer,
    querystring: listQuerySchema,
  };
  app.get(
    '/assets',
    { schema: { ...listSchema, response: { 200: assetListSchema, ...errorResponses } } },
    async (request) => {
      const account = await requireBearerAccount(runtime, request);
      const q = listQuery.safeParse(request.query);
      if (!q.success) throw errors.invalid(q.error.issues[0]!.message);
      const [assets, total] = await Promise.all([
        runtime.assets.list({ accountId: account.id, ...q.data }),
        runtime.assets.count({ accountId: account.id, kind: q.data.kind, search: q.data.search }),
      ]);
      return {
        assets: assets.map((a) => assetView(runtime, a)),
        total,
        limit: q.data.limit,
        offset: q.data.offset,
      };
    },
  );

  const oneSchema = { tags: ['assets'], security: bearer, params: assetIdParams };
  app.get(
    '/assets/:id',
    { schema: { ...oneSchema, summary: 'One asset', response: { 200: assetSchema, ...errorResponses } } },
    async (request) => {
      const account = await requireBearerAccount(runtime, request);
      const { id } = request.params as { id: string };
      return assetView(runtime, await runtime.assets.get(account.id, id));
    },
  );

  const deleteSchema = {
    ...oneSchema,
    summary: 'Delete an asset (its bytes are purged)',
    response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
  };
  app.delete('/assets/:id', { schema: deleteSchema }, async (request, reply) => {
    const account = await requireBearerAccount(runtime, request);
    const { id } = request.params as { id: string };
    await deleteAsset(runtime, account.id, id);
    return reply.status(204).send();
  });

  const accountDoc = {
    summary: 'The account of the token, with its storage use',
    tags: ['account'],
    security: bearer,
  };
  app.get(
    '/account',
    { schema: { ...accountDoc, response: { 200: accountSchema, 401: errorResponses[401] } } },
    async (request) => {
      const account = await requireBearerAccount(runtime, request);
      return {
        id: account.id,
        name: account.name,
        limits: limitsOf(account.settings),
        storedBytes: await runtime.assets.storedBytes(account.id),
        assets: await runtime.assets.count({ accountId: account.id }),
      };
    },
  );
}

/** X-Kiln-Filename is percent-encoded UTF-8; a malformed escape is the client's error, not ours. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw errors.invalid('X-Kiln-Filename must be percent-encoded UTF-8', { field: 'X-Kiln-Filename' });
  }
}
