/**
 * The lifecycle states of an asset row, one list for every dialect. A row without bytes is an
 * upload session: `draft` (Cloudflare Images direct upload), `pendingupload` (Cloudflare Stream
 * basic/tus/direct creator upload), `uploading` (Uploadcare multipart, or an Images draft claimed
 * by its upload); `completing` while a multipart upload is assembled; `downloading` while a copy
 * fetches. Bytes stored: `processing` (facts being read), `queued` / `inprogress` (video
 * pipeline), `live-inprogress`, then `ready` or `error`.
 */
export const ASSET_STATUSES = [
  'draft',
  'pendingupload',
  'uploading',
  'completing',
  'downloading',
  'processing',
  'queued',
  'inprogress',
  'live-inprogress',
  'ready',
  'error',
] as const;

export type AssetStatus = (typeof ASSET_STATUSES)[number];

export function isAssetStatus(value: string): value is AssetStatus {
  return (ASSET_STATUSES as readonly string[]).includes(value);
}
