import type { FastifyInstance } from 'fastify';
import { KilnError } from '../../../core/errors/kiln-error.js';
import { parseUploadcareOps } from '../../../core/images/parse-uploadcare-ops.js';
import { emptyPlan } from '../../../core/images/transform-plan.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { sendRemoteImage } from '../../delivery/send-remote-image.js';
import { installErrorHandler } from '../../errors/error-handler.js';

const PREFIX = '/uploadcare-proxy/';

/**
 * Uploadcare's proxy (the hosted service puts the public key in the host name):
 * `/uploadcare-proxy/<public key>/[-/op/args/…/]<absolute source URL>`. The source must be among
 * the allowed image sources (KILN_IMAGE_SOURCES); the ops are the CDN's. Errors are plain text,
 * as on the CDN.
 */
export async function uploadcareProxy(app: FastifyInstance, { runtime }: { runtime: KilnRuntime }) {
  installErrorHandler(app, (err) => ({
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: err.status >= 500 && err.code === 'internal' ? 'Internal error.' : err.publicMessage,
  }));
  app.get(`${PREFIX}*`, async (request, reply) => {
    const raw = request.url.split('?', 1)[0]!.slice(PREFIX.length);
    const slash = raw.indexOf('/');
    const account =
      slash > 0
        ? await runtime.accounts.findByUploadcarePublicKey(decodeURIComponent(raw.slice(0, slash)))
        : null;
    if (!account) throw new KilnError('not_found', 'Not found.');
    const rest = raw.slice(slash + 1);
    const at = rest.search(/https?:\/\//i);
    if (at < 0) throw new KilnError('invalid_input', 'Expected an absolute source URL after the operations.');
    const chain = rest.slice(0, at);
    if (chain !== '' && !chain.startsWith('-/'))
      throw new KilnError('invalid_input', 'Operations must start with "-/".');
    const plan = chain
      ? parseUploadcareOps(chain)
      : { ...emptyPlan(), output: { format: 'original' as const } };
    let source: string;
    try {
      source = new URL(decodeURI(rest.slice(at))).toString();
    } catch {
      throw new KilnError('invalid_input', 'The source URL is malformed.');
    }
    return sendRemoteImage(runtime, request, reply, source, plan, {
      cacheControl: 'public, max-age=3600',
      headers: { 'access-control-allow-origin': '*' },
      accountSources: account.settings.imageSources,
    });
  });
}
