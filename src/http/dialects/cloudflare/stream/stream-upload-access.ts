import type { FastifyRequest } from 'fastify';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { isStreamUid, STREAM_SOURCE, streamFacts } from '../../../../core/video/video-facts.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';

/**
 * Who may HEAD/PATCH/DELETE a TUS upload URL `/stream/upload/<uid>`. As on Cloudflare, only an
 * upload created with `direct_user=true` hands out a capability URL (the unguessable uid is the
 * credential, for an end user's browser); any other needs the API token of the account that
 * created it. Another account's token is told the upload does not exist.
 */
export async function authorizeTusUpload(runtime: KilnRuntime, request: FastifyRequest): Promise<void> {
  const { uid } = request.params as { uid: string };
  const video = isStreamUid(uid) ? await runtime.assets.findAnyAccount(uid) : null;
  if (!video || video.source !== STREAM_SOURCE) return; // tus answers 404 itself
  const facts = streamFacts(video);
  if (facts.uploadKind !== 'tus' || facts.uploadCapability) return;
  const account = await cloudflareAccount(runtime, request);
  if (account.id !== video.accountId) {
    throw new KilnError('not_found', 'Unknown upload URL', { details: { cloudflareCode: 10003 } });
  }
}
