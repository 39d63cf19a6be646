import type { AssetKind } from '../../adapters/db/schema.js';
import type { AssetStatus } from './asset-status.js';

export type { AssetKind, AssetStatus };

/** The one asset model shared by every dialect. */
export interface Asset {
  id: string;
  accountId: string;
  kind: AssetKind;
  status: AssetStatus;
  blobKey: string | null;
  size: number;
  contentType: string;
  sha256: string | null;
  originalName: string | null;
  metadata: Record<string, unknown>;
  stored: boolean;
  expiresAt: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  source: string;
  extra: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface NewAsset {
  id?: string;
  accountId: string;
  kind: AssetKind;
  status?: AssetStatus;
  blobKey?: string | null;
  size?: number;
  contentType?: string;
  sha256?: string | null;
  originalName?: string | null;
  metadata?: Record<string, unknown>;
  stored?: boolean;
  expiresAt?: string | null;
  width?: number | null;
  height?: number | null;
  durationSeconds?: number | null;
  source: string;
  extra?: Record<string, unknown>;
}

export type AssetPatch = Partial<
  Pick<
    Asset,
    | 'status'
    | 'blobKey'
    | 'size'
    | 'contentType'
    | 'sha256'
    | 'originalName'
    | 'metadata'
    | 'stored'
    | 'expiresAt'
    | 'width'
    | 'height'
    | 'durationSeconds'
    | 'extra'
    | 'kind'
  >
>;

/** Where an asset's bytes live: everything of one asset shares a prefix, so deletion is one call. */
export function assetPrefix(accountId: string, assetId: string): string {
  return `a/${accountId}/${assetId}`;
}

export function originalKey(accountId: string, assetId: string): string {
  return `${assetPrefix(accountId, assetId)}/original`;
}
