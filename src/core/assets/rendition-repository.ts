import { randomUUID } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { RenditionsTable } from '../../adapters/db/schema.js';

export interface Rendition {
  id: string;
  assetId: string;
  accountId: string;
  kind: string;
  name: string;
  blobKey: string;
  size: number;
  contentType: string;
  extra: Record<string, unknown>;
  createdAt: string;
}

export type NewRendition = Omit<Rendition, 'id' | 'createdAt' | 'extra'> & {
  extra?: Record<string, unknown>;
};

/** Derived bytes of assets (variants, streams, thumbnails, downloads): they count against storage. */
export class RenditionRepository {
  constructor(private readonly db: Db) {}

  /** Records a rendition once; a second record of the same (asset, kind, name) replaces its facts. */
  async record(input: NewRendition): Promise<void> {
    const row: RenditionsTable = {
      id: randomUUID(),
      asset_id: input.assetId,
      account_id: input.accountId,
      kind: input.kind,
      name: input.name,
      blob_key: input.blobKey,
      size: input.size,
      content_type: input.contentType,
      extra: JSON.stringify(input.extra ?? {}),
      created_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('renditions')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['asset_id', 'kind', 'name']).doUpdateSet({
          blob_key: row.blob_key,
          size: row.size,
          content_type: row.content_type,
          extra: row.extra,
        }),
      )
      .execute();
  }

  async list(assetId: string, kind?: string): Promise<Rendition[]> {
    let q = this.db.selectFrom('renditions').selectAll().where('asset_id', '=', assetId);
    if (kind) q = q.where('kind', '=', kind);
    const rows = await q.orderBy('created_at').execute();
    return rows.map(toRendition);
  }

  async find(assetId: string, kind: string, name: string): Promise<Rendition | null> {
    const row = await this.db
      .selectFrom('renditions')
      .selectAll()
      .where('asset_id', '=', assetId)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRendition(row) : null;
  }

  async delete(assetId: string, kind: string, name?: string): Promise<void> {
    let q = this.db.deleteFrom('renditions').where('asset_id', '=', assetId).where('kind', '=', kind);
    if (name !== undefined) q = q.where('name', '=', name);
    await q.execute();
  }
}

function toRendition(row: RenditionsTable): Rendition {
  return {
    id: row.id,
    assetId: row.asset_id,
    accountId: row.account_id,
    kind: row.kind,
    name: row.name,
    blobKey: row.blob_key,
    size: Number(row.size),
    contentType: row.content_type,
    extra: JSON.parse(row.extra) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
