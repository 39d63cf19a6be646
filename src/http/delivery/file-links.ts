import type { Asset } from '../../core/assets/asset.js';
import { signedPath } from '../../core/signing/signed-link.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { userContentBase } from './delivery-origin.js';

/** Kiln's own delivery links: `/files/<id>/<name>?exp=&sig=`, HMAC-signed with the server's link key. */
export const FILE_LINK_TTL_SECONDS = 7 * 24 * 3600;

export function filePath(asset: Pick<Asset, 'id' | 'originalName'>): string {
  const name = asset.originalName ? encodeURIComponent(asset.originalName) : 'file';
  return `/files/${asset.id}/${name}`;
}

export function fileUrl(
  runtime: KilnRuntime,
  asset: Pick<Asset, 'id' | 'originalName'>,
  ttl = FILE_LINK_TTL_SECONDS,
) {
  const path = filePath(asset);
  const expires = Math.floor(Date.now() / 1000) + ttl;
  return `${userContentBase(runtime.config)}${signedPath(path, expires, runtime.linkKey)}`;
}
