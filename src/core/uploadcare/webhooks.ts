import type { Db } from '../../adapters/db/database.js';
import { isAllowedDestination } from '../fetch/check-destination.js';
import type { UrlPolicy } from '../fetch/check-url.js';
import type { SecretBox } from '../signing/secret-box.js';
import { restError, restNotFound } from './rest-error.js';
import {
  type UcWebhook,
  WEBHOOK_EVENTS,
  type WebhookEvent,
  type WebhookFields,
  WebhookRepository,
} from './webhook-repository.js';

interface Deps {
  db: Db;
  box: SecretBox;
  /** Target URLs are checked when saved (and again at every delivery). */
  fetchPolicy: UrlPolicy;
}

/** The body of create and update, as JSON or a form sends it. */
export interface WebhookInput {
  target_url?: unknown;
  event?: unknown;
  is_active?: unknown;
  signing_secret?: unknown;
  version?: unknown;
}

const repo = (deps: Deps) => new WebhookRepository(deps.db, deps.box);

export const listWebhooks = (deps: Deps, accountId: string) => repo(deps).list(accountId);

/** Subscribes a target URL to an event (unique per project, event and URL). */
export async function createWebhook(deps: Deps, accountId: string, input: WebhookInput): Promise<UcWebhook> {
  if (input.target_url === undefined || input.target_url === '')
    throw restError(400, '`target_url` is missing.');
  const fields: WebhookFields = {
    targetUrl: targetUrl(input.target_url),
    event: input.event === undefined ? 'file.uploaded' : event(input.event),
    isActive: input.is_active === undefined ? true : flag(input.is_active, 'is_active'),
    signingSecret: input.signing_secret === undefined ? null : secret(input.signing_secret),
  };
  version(input.version);
  await assertPublicTarget(deps, fields.targetUrl);
  if (await repo(deps).findTarget(accountId, fields.event, fields.targetUrl))
    throw restError(400, '`target_url` is already subscribed to this event.');
  return repo(deps).create(accountId, fields);
}

export async function updateWebhook(
  deps: Deps,
  accountId: string,
  id: number,
  input: WebhookInput,
): Promise<UcWebhook> {
  const existing = Number.isSafeInteger(id) ? await repo(deps).get(accountId, id) : null;
  if (!existing) throw restNotFound();
  const fields: Partial<WebhookFields> = {};
  if (input.target_url !== undefined) fields.targetUrl = targetUrl(input.target_url);
  if (input.event !== undefined) fields.event = event(input.event);
  if (input.is_active !== undefined) fields.isActive = flag(input.is_active, 'is_active');
  if (input.signing_secret !== undefined) fields.signingSecret = secret(input.signing_secret);
  version(input.version);
  if (fields.targetUrl !== undefined) await assertPublicTarget(deps, fields.targetUrl);
  const target = fields.targetUrl ?? existing.targetUrl;
  const ev = fields.event ?? existing.event;
  const clash = await repo(deps).findTarget(accountId, ev, target);
  if (clash && clash.id !== id) throw restError(400, '`target_url` is already subscribed to this event.');
  return (await repo(deps).update(accountId, id, fields))!;
}

export async function deleteWebhook(deps: Deps, accountId: string, id: number): Promise<void> {
  if (!Number.isSafeInteger(id) || !(await repo(deps).delete(accountId, id))) throw restNotFound();
}

/** `unsubscribe`: removes every subscription of that target URL. */
export async function unsubscribe(deps: Deps, accountId: string, input: WebhookInput): Promise<void> {
  if (input.target_url === undefined || input.target_url === '')
    throw restError(400, '`target_url` is missing.');
  await repo(deps).deleteByTarget(accountId, String(input.target_url));
}

/** Like Stream's notificationUrl: a target that points only at private addresses is refused at once. */
async function assertPublicTarget(deps: Deps, target: string): Promise<void> {
  if (!(await isAllowedDestination(new URL(target), deps.fetchPolicy)))
    throw restError(400, '`target_url` must point to a public address.');
}

function targetUrl(value: unknown): string {
  const s = String(value);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw restError(400, '`target_url` must be a valid http or https URL.');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || s.length > 255)
    throw restError(400, '`target_url` must be a valid http or https URL of at most 255 characters.');
  return s;
}

function event(value: unknown): WebhookEvent {
  if (!WEBHOOK_EVENTS.includes(value as WebhookEvent))
    throw restError(400, `\`event\` must be one of ${WEBHOOK_EVENTS.join(', ')}.`);
  return value as WebhookEvent;
}

function flag(value: unknown, name: string): boolean {
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0) return false;
  throw restError(400, `\`${name}\` must be \`true\` or \`false\`.`);
}

function secret(value: unknown): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 32)
    throw restError(400, '`signing_secret` must be a string of at most 32 characters.');
  return value;
}

function version(value: unknown): void {
  if (value !== undefined && value !== '0.7') throw restError(400, '`version` must be `0.7`.');
}
