import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deleteAsset } from '../../../core/assets/delete-asset.js';
import { errors } from '../../../core/errors/kiln-error.js';
import { chainPlans } from '../../../core/images/chain-plans.js';
import { parseGetstreamParams } from '../../../core/images/parse-getstream-params.js';
import { normalizePlan } from '../../../core/images/transform-plan.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { cdnUrl, validityLeft } from './cdn-links.js';
import { assertOwner, authenticateStream } from './getstream-auth.js';
import { streamDuration } from './getstream-errors.js';
import { findStreamObject, VARIANT_KIND } from './getstream-objects.js';
import { handleUpload } from './getstream-upload.js';

/** A refresh returns the same link while it has more than this left (Stream's test wants it unchanged). */
const REFRESH_MARGIN_SECONDS = 24 * 3600;

/**
 * `files/` and `images/` under `/api/v1.0`: upload (POST), process (GET, images only), delete by URL
 * (DELETE) and the legacy refresh (POST `refresh/`). Either endpoint accepts either kind of URL.
 */
export async function streamObjectRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;

  app.post('/files', (request, reply) => handleUpload(runtime, request, reply, 'files'));
  app.post('/images', (request, reply) => handleUpload(runtime, request, reply, 'images'));

  const remove = async (request: FastifyRequest) => {
    const caller = await authenticateStream(runtime, request, 'delete');
    const target = await findStreamObject(
      runtime,
      caller.account.id,
      requiredUrl(rawQuery(request).get('url')),
    );
    assertOwner(caller, target.ownerUserId);
    if (target.variant) {
      // The row first: the link stops working at once; then the bytes.
      await runtime.renditions.delete(target.asset.id, VARIANT_KIND, target.variant.name);
      await runtime.blobs
        .delete(target.variant.blobKey)
        .catch((err) => request.log.warn({ err }, 'variant blob delete failed'));
    } else {
      await deleteAsset(runtime, caller.account.id, target.asset.id);
    }
    return { duration: streamDuration(request) };
  };
  app.delete('/files', remove);
  app.delete('/images', remove);

  app.get('/images', async (request) => {
    const caller = await authenticateStream(runtime, request, 'read');
    const query = rawQuery(request);
    const url = requiredUrl(query.get('url'));
    const plan = parseGetstreamParams(query);
    const target = await findStreamObject(runtime, caller.account.id, url);
    assertOwner(caller, target.ownerUserId);
    const { asset } = target;
    if (asset.kind !== 'image' || !asset.blobKey)
      throw errors.invalid(`File type ${asset.contentType} is not supported`);
    // A variant of a variant is rendered from the original, through both plans.
    const full = target.plan ? chainPlans(target.plan, plan) : normalizePlan(plan);
    const result = await runtime.variants.render(asset, full, {
      // Whoever made a variant first owns it (reference §7.6).
      addressed: (existing) => ({ userId: existing ? (existing.userId ?? null) : caller.userId }),
    });
    return { file: cdnUrl(runtime, asset, { variant: result.name }), duration: streamDuration(request) };
  });

  const refresh = async (request: FastifyRequest) => {
    const caller = await authenticateStream(runtime, request, 'write');
    const body = request.body as { url?: unknown } | undefined;
    const url = requiredUrl(typeof body?.url === 'string' ? body.url : rawQuery(request).get('url'));
    const target = await findStreamObject(runtime, caller.account.id, url);
    assertOwner(caller, target.ownerUserId);
    const left = validityLeft(runtime, url);
    const fresh =
      left !== null && left > REFRESH_MARGIN_SECONDS
        ? url
        : cdnUrl(runtime, target.asset, { variant: target.variant?.name });
    return { url: fresh, duration: streamDuration(request) };
  };
  app.post('/files/refresh', refresh);
  app.post('/images/refresh', refresh);
}

/** The query with form semantics (`+` is a space), as axios encodes it (reference §2.3). */
function rawQuery(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : request.url.slice(i + 1));
}

function requiredUrl(url: string | null | undefined): string {
  if (!url) throw errors.invalid('The "url" parameter is required', { field: 'url' });
  return url;
}
