import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Asset } from '../../../core/assets/asset.js';
import { formatContentDisposition } from '../../../core/delivery/content-disposition.js';
import { KilnError } from '../../../core/errors/kiln-error.js';
import {
  hasUploadcareCoreOp,
  parseUploadcareOps,
  splitUploadcareChain,
} from '../../../core/images/parse-uploadcare-ops.js';
import { GroupRepository } from '../../../core/uploadcare/group-repository.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { deliveryUsage } from '../../delivery/delivery-usage.js';
import { findAsset } from '../../delivery/find-asset.js';
import { originalBlob } from '../../delivery/original-blob.js';
import { sendBlob } from '../../delivery/send-blob.js';
import { sendImageVariant } from '../../delivery/send-image-variant.js';
import { installErrorHandler } from '../../errors/error-handler.js';
import { isVisible } from './uc-base-routes.js';
import { sendGroupArchive, sendGroupPage } from './uc-cdn-groups.js';

const CACHE = 'public, max-age=31536000, immutable';
/**
 * The first path segment of every CDN URL: a file uuid or a group id `<uuid>~N` (`~` may arrive
 * as %7E). The constraint keeps these routes from shadowing Kiln's other root routes.
 */
const ID = '^[0-9a-fA-F-]{36}[~%7Ee0-9]{0,7}$';
/** find-my-way only takes star-height-1 patterns, so the route pattern is loose and this is exact. */
const EXACT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:~[1-9][0-9]{0,3})?$/;

/** Uploadcare's CDN URL API at the origin's root (the SDK's `baseCDN`). Errors are plain text. */
export async function uploadcareCdn(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const groups = new GroupRepository(runtime.db);
  installErrorHandler(app, (err) => ({
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: err.status >= 500 ? 'Internal error.' : err.publicMessage,
  }));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // From the raw URL: the router drops a trailing slash, which decides "filename or not" here.
    const path = request.url.split('?')[0]!;
    const cut = path.indexOf('/', 1);
    const rawId = cut < 0 ? path.slice(1) : path.slice(1, cut);
    const rest = cut < 0 ? '' : path.slice(cut + 1);
    const id = rawId.replace(/%7e/i, '~').toLowerCase();
    if (!EXACT_ID.test(id)) throw notFound();
    if (id.includes('~')) {
      const group = await groups.find(id, null);
      if (!group) throw notFound();
      const m = /^nth\/(\d{1,4})\/(.*)$/s.exec(rest);
      if (m) {
        const member = group.files[Number(m[1])];
        if (!member) throw notFound();
        const asset = await visibleAsset(runtime, member.uuid);
        return sendFile(
          runtime,
          request,
          reply,
          asset,
          `${member.effects ? `-/${member.effects}` : ''}${m[2]}`,
        );
      }
      const archive = /^archive\/zip\/([^/]*)$/.exec(rest);
      if (archive) return sendGroupArchive(runtime, reply, group, archive[1] || `${group.id}.zip`);
      if (rest === '') return sendGroupPage(runtime, reply, group);
      throw notFound();
    }
    return sendFile(runtime, request, reply, await visibleAsset(runtime, id), rest);
  };
  app.get(`/:id(${ID})`, handler);
  app.get(`/:id(${ID})/*`, handler);
}

async function visibleAsset(runtime: KilnRuntime, id: string): Promise<Asset> {
  const asset = await findAsset(runtime, id);
  if (!asset || asset.source !== 'uploadcare' || !asset.blobKey || !isVisible(asset)) throw notFound();
  return asset;
}

/**
 * `rest` = `[-/op/args/…][filename]`. Without a processing op the original is served (images
 * inline, other files as attachments, `-/inline/yes|no/` overriding); with one, the image engine.
 */
async function sendFile(
  runtime: KilnRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
  asset: Asset,
  rest: string,
) {
  const slash = rest.lastIndexOf('/');
  const chain = rest.slice(0, slash + 1);
  const filename = safeDecode(rest.slice(slash + 1));
  if (chain !== '' && !chain.startsWith('-/')) throw notFound();
  const ops = chain ? splitUploadcareChain(chain) : [];
  const inlineOp = ops.filter(([op]) => op === 'inline').pop();
  const isImage = asset.kind === 'image';
  const inline = inlineOp ? inlineOp[1][0] !== 'no' : isImage;
  const disposition = {
    type: inline ? 'inline' : 'attachment',
    filename: filename || asset.originalName || undefined,
  } as const;
  const processes =
    ops.some(([op]) => op === 'json' || op === 'main_colors') || (chain !== '' && hasUploadcareCoreOp(chain));
  if (processes) {
    if (!isImage) throw new KilnError('invalid_input', 'Image operations can only be applied to images.');
    const plan = parseUploadcareOps(chain);
    return sendImageVariant(runtime, request, reply, asset, plan, {
      cacheControl: CACHE,
      headers: {
        'content-disposition': formatContentDisposition(disposition),
        'access-control-allow-origin': '*',
      },
    });
  }
  if (chain) parseUploadcareOps(chain); // malformed chains are a 400 even when nothing is processed
  return sendBlob(reply, request, runtime.blobs, originalBlob(asset), {
    cacheControl: asset.stored ? CACHE : 'public, max-age=3600',
    disposition,
    extraHeaders: { 'access-control-allow-origin': '*' },
    memory: runtime.hot,
    usage: deliveryUsage(runtime, asset, 'original'),
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function notFound(): KilnError {
  return new KilnError('not_found', 'File not found.');
}
