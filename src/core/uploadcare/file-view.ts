import type { Asset } from '../assets/asset.js';
import { contentInfo, isImage, reportedMimeType } from './content-info.js';

export interface FileViewOptions {
  publicUrl: string;
  /** `include=appdata`. */
  appdata?: boolean;
  /** When the file was removed (a deleted asset's row, until it is purged). */
  removedAt?: string | null;
}

/** When the file was last stored: the REST API's store call records it; else its upload time. */
export function storedAt(asset: Asset): string | null {
  if (!asset.stored) return null;
  return typeof asset.extra.ucStoredAt === 'string' ? asset.extra.ucStoredAt : asset.createdAt;
}

/** The file's CDN URL (the Uploadcare CDN is served at the origin's root). */
export function cdnUrl(publicUrl: string, asset: Asset): string {
  return `${publicUrl}/${asset.id}/`;
}

/** The REST API's `file` object (spec components.schemas.file), from the one asset row. */
export function restFileView(asset: Asset, options: FileViewOptions): Record<string, unknown> {
  const removedAt = options.removedAt ?? null;
  const name = asset.originalName ?? 'original';
  const view: Record<string, unknown> = {
    datetime_removed: removedAt,
    datetime_stored: removedAt ? null : storedAt(asset),
    datetime_uploaded: asset.createdAt,
    is_image: isImage(asset),
    is_ready: asset.status === 'ready',
    mime_type: reportedMimeType(asset),
    original_file_url: removedAt
      ? null
      : `${cdnUrl(options.publicUrl, asset)}${encodeURIComponent(name.split(/[\\/]/).pop() || 'original')}`,
    original_filename: name,
    size: asset.size,
    url: `${options.publicUrl}/files/${asset.id}/`,
    uuid: asset.id,
    variations: isRecord(asset.extra.ucVariations) ? asset.extra.ucVariations : null,
    content_info: contentInfo(asset),
    metadata: asset.metadata,
    tags: Array.isArray(asset.extra.tags) ? asset.extra.tags : [],
  };
  if (options.appdata) view.appdata = isRecord(asset.extra.ucAppdata) ? asset.extra.ucAppdata : {};
  return view;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
