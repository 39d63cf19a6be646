import type { Asset } from '../../../../core/assets/asset.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import { verifyPlaybackToken } from '../../../../core/stream/playback-token.js';
import { SigningKeys } from '../../../../core/stream/signing-keys.js';
import { isStreamUid, STREAM_SOURCE, streamFacts } from '../../../../core/stream/stream-facts.js';
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
    if (streamFacts(asset).requireSignedURLs) {
      throw new KilnError(
        'unauthorized',
        'This video requires a signed URL: use a token in place of the video id',
        {
          status: 401,
          details: { cloudflareCode: 10000 },
        },
      );
    }
    return { asset, signed: false };
  }
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(ident)) throw notFound();
  const { uid, accountId } = await verifyPlaybackToken(
    new SigningKeys(runtime.db, runtime.box),
    ident,
    clientIp,
  );
  const asset = await findVideo(runtime, uid);
  if (asset.accountId !== accountId) throw notFound();
  return { asset, signed: true };
}

async function findVideo(runtime: KilnRuntime, uid: string): Promise<Asset> {
  const asset = await runtime.assets.findAnyAccount(uid);
  if (!asset || asset.source !== STREAM_SOURCE) throw notFound();
  return asset;
}

function notFound(): KilnError {
  return new KilnError('not_found', 'Video not found', { details: { cloudflareCode: 10003 } });
}
