import type { Account } from '../../../../core/accounts/account.js';
import type { CfImage } from '../../../../core/cloudflare-images/image-ids.js';
import type { VariantDef } from '../../../../core/cloudflare-images/image-variants.js';

/** Dialect facts kept in Asset.extra. */
export interface CfImageExtra {
  imageId: string;
  requireSignedURLs: boolean;
  /** Direct creator upload pending: the one-time upload URL works until this time. */
  uploadExpiresAt?: string;
}

export const IMAGES_SOURCE = 'cloudflare-images';
export const DELIVERY_PREFIX = '/cdn/images';
export const DIRECT_UPLOAD_PREFIX = '/cdn/images-upload';

/** Each `/`-separated part of an id percent-encoded (so `%` appears as `%25`), slashes kept. */
export function encodeImageId(imageId: string): string {
  return imageId.split('/').map(encodeURIComponent).join('/');
}

/** `<public url>/cdn/images/<hash>/<id>/<variant>`: Kiln's imagedelivery.net. */
export function deliveryUrl(publicUrl: string, account: Account, imageId: string, variant: string): string {
  return `${publicUrl}${DELIVERY_PREFIX}/${account.imagesHash}/${encodeImageId(imageId)}/${encodeURIComponent(variant)}`;
}

/** `<public url>/cdn/images-upload/<hash>/<id>`: Kiln's upload.imagedelivery.net. */
export function directUploadUrl(publicUrl: string, account: Account, imageId: string): string {
  return `${publicUrl}${DIRECT_UPLOAD_PREFIX}/${account.imagesHash}/${encodeImageId(imageId)}`;
}

export function imageExtra(image: CfImage): CfImageExtra {
  return image.asset.extra as unknown as CfImageExtra;
}

/** The `Image` object of §3.1. */
export function imageView(publicUrl: string, account: Account, image: CfImage, variants: VariantDef[]) {
  const extra = imageExtra(image);
  const draft = image.asset.status !== 'ready';
  return {
    id: image.imageId,
    filename: image.asset.originalName ?? '',
    creator: image.creator,
    meta: image.asset.metadata,
    requireSignedURLs: extra.requireSignedURLs === true,
    uploaded: image.asset.createdAt,
    variants: variants.map((v) => deliveryUrl(publicUrl, account, image.imageId, v.id)),
    ...(draft ? { draft: true } : {}),
  };
}
