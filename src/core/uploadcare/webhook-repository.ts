import { randomInt } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { UcWebhooksTable } from '../../adapters/db/schema.js';
import type { SecretBox } from '../signing/secret-box.js';

export const WEBHOOK_EVENTS = [
  'file.uploaded',
  'file.infected',
  'file.stored',
  'file.deleted',
  'file.info_updated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface UcWebhook {
  id: number;
  accountId: string;
  event: WebhookEvent;
  targetUrl: string;
  isActive: boolean;
  signingSecret: string | null;
  version: string;
  created: string;
  updated: string;
}

export type WebhookFields = Pick<UcWebhook, 'event' | 'targetUrl' | 'isActive' | 'signingSecret'>;

const context = (id: number) => `uc-webhook:${id}`;

/** Uploadcare webhook subscriptions; signing secrets sealed by the SecretBox. */
export class WebhookRepository {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async create(accountId: string, fields: WebhookFields): Promise<UcWebhook> {
    const now = new Date().toISOString();
    // Integer ids as the API has them; random, so nodes need no shared counter.
    const id = randomInt(1, 2 ** 31 - 1);
    await this.db
      .insertInto('uc_webhooks')
      .values({
        id,
        account_id: accountId,
        event: fields.event,
        target_url: fields.targetUrl,
        is_active: fields.isActive ? 1 : 0,
        signing_secret_enc: this.seal(id, fields.signingSecret),
        version: '0.7',
        created_at: now,
        updated_at: now,
      })
      .execute();
    return (await this.get(accountId, id))!;
  }

  async list(accountId: string): Promise<UcWebhook[]> {
    const rows = await this.db
      .selectFrom('uc_webhooks')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => this.toWebhook(r));
  }

  async get(accountId: string, id: number): Promise<UcWebhook | null> {
    const row = await this.db
      .selectFrom('uc_webhooks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.toWebhook(row) : null;
  }

  /** The hook with this event and target, if any (target URLs are unique per event). */
  async findTarget(accountId: string, event: string, targetUrl: string): Promise<UcWebhook | null> {
    const row = await this.db
      .selectFrom('uc_webhooks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('event', '=', event)
      .where('target_url', '=', targetUrl)
      .executeTakeFirst();
    return row ? this.toWebhook(row) : null;
  }

  async update(accountId: string, id: number, fields: Partial<WebhookFields>): Promise<UcWebhook | null> {
    const set: Partial<UcWebhooksTable> = { updated_at: new Date().toISOString() };
    if (fields.event !== undefined) set.event = fields.event;
    if (fields.targetUrl !== undefined) set.target_url = fields.targetUrl;
    if (fields.isActive !== undefined) set.is_active = fields.isActive ? 1 : 0;
    if (fields.signingSecret !== undefined) set.signing_secret_enc = this.seal(id, fields.signingSecret);
    await this.db
      .updateTable('uc_webhooks')
      .set(set)
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
    return this.get(accountId, id);
  }

  async delete(accountId: string, id: number): Promise<boolean> {
    const res = await this.db
      .deleteFrom('uc_webhooks')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** `unsubscribe`: every hook of the account with this target URL. */
  async deleteByTarget(accountId: string, targetUrl: string): Promise<number> {
    const res = await this.db
      .deleteFrom('uc_webhooks')
      .where('account_id', '=', accountId)
      .where('target_url', '=', targetUrl)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** The active subscriptions to one event (what an event fans out to). */
  async activeFor(accountId: string, event: WebhookEvent): Promise<UcWebhook[]> {
    const rows = await this.db
      .selectFrom('uc_webhooks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('event', '=', event)
      .where('is_active', '=', 1)
      .execute();
    return rows.map((r) => this.toWebhook(r));
  }

  private seal(id: number, secret: string | null): string | null {
    return secret ? this.box.encrypt(secret, context(id)) : null;
  }

  private toWebhook(row: UcWebhooksTable): UcWebhook {
    const id = Number(row.id);
    return {
      id,
      accountId: row.account_id,
      event: row.event as WebhookEvent,
      targetUrl: row.target_url,
      isActive: Number(row.is_active) === 1,
      signingSecret: row.signing_secret_enc
        ? this.box.decryptString(row.signing_secret_enc, context(id))
        : null,
      version: row.version,
      created: row.created_at,
      updated: row.updated_at,
    };
  }
}
