import type { FastifyInstance } from 'fastify';
import { formatContentDisposition } from '../../../core/delivery/content-disposition.js';
import { IMGPROXY_PUBLIC, imgproxyError } from '../../../core/images/imgproxy/imgproxy-error.js';
import {
  type ImgproxySettings,
  parsePresets,
  readImgproxyRequest,
} from '../../../core/images/imgproxy/imgproxy-request.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { sendRemoteImage } from '../../delivery/send-remote-image.js';
import { sendTransformResult } from '../../delivery/send-transform-result.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { renderImgproxyError } from './imgproxy-errors.js';

/** Kiln's own assets as imgproxy sources: `local:///<asset id>` (imgproxy's local files scheme). */
export const LOCAL_SOURCE = /^local:\/\/\/([^/?#]+)$/;
/** imgproxy's default IMGPROXY_TTL. */
const TTL = 31_536_000;

/**
 * imgproxy URLs, per account: `/imgproxy/<account id>/<signature>/<options>/<source>`, signed with
 * the account's imgproxy key and salt, so `@imgproxy/imgproxy-node` works with
 * `endpoint: <public url>/imgproxy/<account id>`. Sources are Kiln's own images (`local:///<id>`)
 * and remote URLs under KILN_IMAGE_SOURCES; results are variants like any other grammar's.
 */
export async function imgproxyRoutes(app: FastifyInstance, { runtime }: { runtime: KilnRuntime }) {
  installErrorHandler(app, renderImgproxyError);
  const config = runtime.config;
  const settings: ImgproxySettings = {
    allowInsecure: config.imgproxyAllowInsecure,
    signatureSize: config.imgproxySignatureSize,
    presets: parsePresets(config.imgproxyPresets),
  };

  app.get<{ Params: { account_id: string } }>('/imgproxy/:account_id/*', async (request, reply) => {
    const accountId = request.params.account_id;
    const prefix = `/imgproxy/${accountId}`;
    const raw = request.url.split('?', 1)[0]!;
    const account = /^[0-9a-f]{32}$/.test(accountId)
      ? await runtime.accounts.get(accountId).catch(() => null)
      : null;
    if (!account || !raw.startsWith(`${prefix}/`))
      throw imgproxyError(404, IMGPROXY_PUBLIC.invalidUrl, 'Unknown account');
    const keys = await runtime.accounts.imgproxyKeys(account.id);
    // Signature, options and expiry are checked here, before any lookup or fetch.
    const req = readImgproxyRequest(raw.slice(prefix.length), keys, settings);
    const now = Math.floor(Date.now() / 1000);
    const maxAge = req.expires === undefined ? TTL : Math.max(0, Math.min(TTL, req.expires - now));

    const options = {
      cacheControl: `public, max-age=${maxAge}`,
      disposition: (format: string) =>
        formatContentDisposition({
          type: req.attachment ? 'attachment' : 'inline',
          filename: req.filename ? `${req.filename}.${extension(format)}` : undefined,
        }),
    };

    const local = LOCAL_SOURCE.exec(req.source.url);
    if (local) {
      const asset = await runtime.assets.find(account.id, decodeURIComponent(local[1]!));
      if (asset?.kind !== 'image' || asset.status !== 'ready' || !asset.blobKey)
        throw imgproxyError(404, IMGPROXY_PUBLIC.unreachable, 'Source image not found');
      const result = await runtime.variants.render(asset, req.plan, { accept: request.headers.accept });
      return sendTransformResult(runtime, request, reply, result, asset.updatedAt, { ...options, asset });
    }
    if (!/^https?:\/\//i.test(req.source.url))
      throw imgproxyError(404, IMGPROXY_PUBLIC.invalidSource, `Unsupported source URL: ${req.source.url}`);
    return sendRemoteImage(runtime, request, reply, req.source.url, req.plan, {
      ...options,
      accountSources: account.settings.imageSources,
    });
  });
}

function extension(format: string): string {
  return format === 'jpeg' ? 'jpg' : format;
}
