import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors/kiln-error.js';
import { verifySignedPath } from '../../core/signing/signed-link.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { deliveryUsage } from './delivery-usage.js';
import { findAsset } from './find-asset.js';
import { originalBlob } from './original-blob.js';
import { sendBlob } from './send-blob.js';

/**
 * Kiln's signed file links. The link itself is the credential: its signature covers the path and
 * the expiry, so ids cannot be enumerated and an expired or altered link gets a clear 403.
 */
export async function fileDeliveryRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const handler = async (
    request: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) => {
    verifySignedPath(request.url, runtime.linkKey);
    const { id } = request.params as { id: string };
    const asset = await findAsset(runtime, id);
    if (!asset?.blobKey) throw errors.notFound('File');
    const download = (request.query as Record<string, string>).download !== undefined;
    return sendBlob(reply, request, runtime.blobs, originalBlob(asset), {
      cacheControl: 'public, max-age=31536000, immutable',
      disposition: { type: download ? 'attachment' : 'inline', filename: asset.originalName ?? undefined },
      memory: runtime.hot,
      usage: deliveryUsage(runtime, asset, download ? 'download' : 'original'),
    });
  };
  // Fastify answers HEAD from this GET route (exposeHeadRoutes).
  app.get('/files/:id/:name', handler);
}
