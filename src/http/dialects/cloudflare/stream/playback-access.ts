import type { Asset } from '../../../../core/assets/asset.js';
import { verifyPlaybackToken } from '../../../../core/cloudflare-stream/playback-token.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import type { LiveInput, LiveInputs } from '../../../../core/live/live-inputs.js';
import { isStreamUid, STREAM_SOURCE, streamFacts } from '../../../../core/video/video-facts.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';

/**
 * The video behind a delivery path segment: a UID (refused when the video requires signed URLs)
 * or a signed token (RS256, by a key of the video's account) that replaces the UID.
 */
export async function resolvePlayback(
  runtime: KilnRuntime,
  ident: string,
  clientIp: string,
): Promise<{ asset: Asset; signed: boolean }> {
  if (isStreamUid(ident)) {
    const asset = await findVideo(runtime, ident);
    if (streamFacts(asset).requireSignedURLs) throw signedUrlRequired('video');
    return { asset, signed: false };
  }
  const { uid, accountId } = await verifyIdentToken(runtime, ident, clientIp, notFound);
  const asset = await findVideo(runtime, uid);
  if (asset.accountId !== accountId) throw notFound();
  return { asset, signed: true };
}

/**
 * The live input behind `/stream/live/<uid or signed token>/...`: its recording settings
 * (requireSignedURLs, allowedOrigins) govern the live playback as they govern the recordings.
 */
export async function resolveLivePlayback(
  inputs: LiveInputs,
  runtime: KilnRuntime,
  ident: string,
  clientIp: string,
  notLive: () => KilnError,
): Promise<{ input: LiveInput; signed: boolean }> {
  if (isStreamUid(ident)) {
    const input = await inputs.find(ident);
    if (!input) throw notLive();
    if (input.settings.recording.requireSignedURLs) throw signedUrlRequired('live input');
    return { input, signed: false };
  }
  const { uid, accountId } = await verifyIdentToken(runtime, ident, clientIp, notLive);
  const input = await inputs.find(uid);
  if (!input || input.accountId !== accountId) throw notLive();
  return { input, signed: true };
}

/** A signed token in place of the id: RS256 by a key of the account that owns `sub`. */
function verifyIdentToken(runtime: KilnRuntime, ident: string, clientIp: string, missing: () => KilnError) {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(ident)) throw missing();
  return verifyPlaybackToken(runtime.streamSigningKeys, ident, clientIp);
}

function signedUrlRequired(what: 'video' | 'live input'): KilnError {
  return new KilnError(
    'unauthorized',
    `This ${what} requires a signed URL: use a token in place of the ${what} id`,
    { status: 401, details: { cloudflareCode: 10000 } },
  );
}

async function findVideo(runtime: KilnRuntime, uid: string): Promise<Asset> {
  const asset = await runtime.assets.findAnyAccount(uid);
  if (!asset || asset.source !== STREAM_SOURCE) throw notFound();
  return asset;
}

function notFound(): KilnError {
  return new KilnError('not_found', 'Video not found', { details: { cloudflareCode: 10003 } });
}
