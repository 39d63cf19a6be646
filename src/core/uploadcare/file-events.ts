import type { Db } from '../../adapters/db/database.js';
import type { AccountService } from '../accounts/account-service.js';
import type { Asset } from '../assets/asset.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { SecretBox } from '../signing/secret-box.js';
import { cdnUrl, restFileView } from './file-view.js';
import { type UcWebhook, type WebhookEvent, WebhookRepository } from './webhook-repository.js';

export const UC_WEBHOOK_JOB = 'uc.webhook';

export interface UcWebhookPayload extends Record<string, unknown> {
  accountId: string;
  webhookId: number;
  body: string;
}

/** What emitting an event needs; a KilnRuntime has all of it. */
export interface FileEventDeps {
  db: Db;
  jobs: JobQueue;
  box: SecretBox;
  accounts: AccountService;
  config: { publicUrl: string };
}

export interface Initiator {
  type: 'api' | 'system' | 'addon';
  sourceFileUuid?: string;
}

/**
 * The one place Uploadcare webhook events come from: each change of a file calls one of these
 * (whatever dialect made the change), and each active subscription to that event gets one
 * durable delivery job carrying the payload as it was at the change.
 *
 * Seam for the ingest service: call `fileUploaded(runtime, asset)` once an upload's asset row is
 * committed and ready, from every dialect.
 */
export const fileUploaded = (deps: FileEventDeps, asset: Asset, initiator?: Initiator) =>
  emitFileEvent(deps, 'file.uploaded', asset, { initiator });

export const fileStored = (deps: FileEventDeps, asset: Asset) => emitFileEvent(deps, 'file.stored', asset);

export const fileDeleted = (deps: FileEventDeps, asset: Asset, removedAt: string) =>
  emitFileEvent(deps, 'file.deleted', asset, { removedAt });

/** `previous` holds the values before the change (`metadata`, and `tags` when they changed). */
export const fileInfoUpdated = (deps: FileEventDeps, asset: Asset, previous: Record<string, unknown>) =>
  emitFileEvent(deps, 'file.info_updated', asset, { previous });

interface EmitOptions {
  initiator?: Initiator;
  removedAt?: string;
  previous?: Record<string, unknown>;
}

export async function emitFileEvent(
  deps: FileEventDeps,
  event: WebhookEvent,
  asset: Asset,
  options: EmitOptions = {},
): Promise<void> {
  const hooks = await new WebhookRepository(deps.db, deps.box).activeFor(asset.accountId, event);
  if (hooks.length === 0) return;
  const account = await deps.accounts.get(asset.accountId);
  const publicUrl = deps.config.publicUrl;
  for (const hook of hooks) {
    const payload: Record<string, unknown> = {
      initiator: {
        type: options.initiator?.type ?? 'api',
        detail: {
          request_id: null,
          addon_name: null,
          ...(options.initiator?.sourceFileUuid
            ? { source_file_uuid: options.initiator.sourceFileUuid }
            : {}),
        },
      },
      hook: hookInfo(hook, account.uploadcarePublicKey),
      data: restFileView(asset, { publicUrl, removedAt: options.removedAt ?? null, appdata: true }),
      file: `${cdnUrl(publicUrl, asset)}${encodeURIComponent(asset.originalName ?? 'original')}`,
    };
    if (options.previous) payload.previous_values = options.previous;
    await deps.jobs.enqueue(
      UC_WEBHOOK_JOB,
      {
        accountId: asset.accountId,
        webhookId: hook.id,
        body: JSON.stringify(payload),
      } satisfies UcWebhookPayload,
      { maxAttempts: 8, backoffMs: 1000, leaseSeconds: 60 },
    );
  }
}

/** A stable integer for the account (the API's numeric project id). */
export function projectNumber(accountId: string): number {
  return Number.parseInt(accountId.slice(0, 7), 16);
}

/** `webhookPublicInfo`: the hook as the payload shows it (never its secret). */
function hookInfo(hook: UcWebhook, publicKey: string) {
  return {
    id: hook.id,
    project_id: projectNumber(hook.accountId),
    project_pub_key: publicKey,
    created_at: hook.created,
    updated_at: hook.updated,
    event: hook.event,
    target: hook.targetUrl,
    is_active: hook.isActive,
    version: hook.version,
  };
}
