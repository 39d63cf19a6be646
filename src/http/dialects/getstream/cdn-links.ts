import { createHash } from 'node:crypto';
import mime from 'mime-types';
import type { Asset } from '../../../core/assets/asset.js';
import { GETSTREAM_LINK_SCHEME, signedPath, verifySignedPath } from '../../../core/signing/signed-link.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { userContentBase } from '../../delivery/delivery-origin.js';

/**
 * The CDN URLs the Stream dialect hands out (reference §7.2): `<public>/stream-cdn/<account>/<area>/
 * <asset id>[/v/<variant>]/<file name>?[dl=<name>&]Key-Pair-Id=..&Expires=<unix>&Signature=..`,
 * shaped like Stream's CloudFront links. The signature covers the path and the whole query, so an
 * altered or guessed link is refused; it is valid for 14 days, like Stream's.
 */
export const CDN_PREFIX = '/stream-cdn';
export const STREAM_LINK_TTL_SECONDS = 14 * 24 * 3600;

/** Images are served inline, files (`attachments`, as Stream names them) as downloads. */
export type CdnArea = 'images' | 'attachments';

export interface CdnRef {
  accountId: string;
  area: CdnArea;
  assetId: string;
  /** Digest of a processed variant of the asset. */
  variant?: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PATH = new RegExp(
  `^${CDN_PREFIX}/([0-9a-zA-Z_-]{1,64})/(images|attachments)/(${UUID})(?:/v/([0-9a-f]{32}))?/[^/]+$`,
);

/** The name shown at the end of the URL: the uploaded file name, or one made from the type. */
export function displayName(asset: Pick<Asset, 'originalName' | 'contentType'>): string {
  if (asset.originalName) return asset.originalName;
  const ext = mime.extension(asset.contentType);
  return ext ? `file.${ext}` : 'file';
}

export function areaOf(asset: Pick<Asset, 'kind'>): CdnArea {
  return asset.kind === 'image' ? 'images' : 'attachments';
}

/** The Key-Pair-Id names the signing key (as CloudFront's does), without revealing anything of it. */
export function keyPairId(key: Buffer): string {
  return `APKA${createHash('sha256').update(key).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** A signed CDN URL for an asset (or one of its variants), valid until `expiresAt` (unix seconds). */
export function cdnUrl(
  runtime: Pick<KilnRuntime, 'config' | 'linkKey'>,
  asset: Pick<Asset, 'id' | 'accountId' | 'kind' | 'originalName' | 'contentType'>,
  options: { variant?: string; expiresAt?: number } = {},
): string {
  const name = displayName(asset);
  const area = areaOf(asset);
  const variant = options.variant ? `/v/${options.variant}` : '';
  const path = `${CDN_PREFIX}/${asset.accountId}/${area}/${asset.id}${variant}/${encodeURIComponent(name)}`;
  const query = new URLSearchParams();
  if (area === 'attachments') query.set('dl', name);
  query.set('Key-Pair-Id', keyPairId(runtime.linkKey));
  const expiresAt = options.expiresAt ?? Math.floor(Date.now() / 1000) + STREAM_LINK_TTL_SECONDS;
  return `${userContentBase(runtime.config)}${signedPath(`${path}?${query}`, expiresAt, runtime.linkKey, GETSTREAM_LINK_SCHEME)}`;
}

/**
 * Which object a URL names, from its path alone: `Expires` and `Signature` are ignored, so an expired
 * link can still be deleted, processed or refreshed (§7.2). Null when it is not one of our CDN URLs.
 */
export function parseCdnUrl(url: string): CdnRef | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const m = PATH.exec(parsed.pathname);
  if (!m) return null;
  return { accountId: m[1]!, area: m[2] as CdnArea, assetId: m[3]!, ...(m[4] ? { variant: m[4] } : {}) };
}

/** Seconds of validity left on a CDN URL whose signature is intact; null if altered or not ours. */
export function validityLeft(
  runtime: Pick<KilnRuntime, 'linkKey'>,
  url: string,
  now = Date.now() / 1000,
): number | null {
  try {
    const parsed = new URL(url);
    const { expiresAt } = verifySignedPath(
      `${parsed.pathname}${parsed.search}`,
      runtime.linkKey,
      0,
      GETSTREAM_LINK_SCHEME,
    );
    return expiresAt - now;
  } catch {
    return null;
  }
}
