import { createHmac, randomBytes } from 'node:crypto';
import type { AccountService } from '../accounts/account-service.js';
import type { Asset } from '../assets/asset.js';
import { KilnError } from '../errors/kiln-error.js';
import { isAllowedDestination } from '../fetch/check-destination.js';
import type { UrlPolicy } from '../fetch/check-url.js';
import { postWebhook } from '../fetch/post-webhook.js';
import type { JobContext, JobQueue } from '../jobs/job-queue.js';
import type { SecretBox } from '../signing/secret-box.js';
import { badRequest } from './stream-options.js';

export const STREAM_WEBHOOK_JOB = 'cfstream.webhook';

/** What account.settings.streamWebhook holds (the secret sealed by the SecretBox). */
interface StoredWebhook {
  notificationUrl: string;
  modified: string;
  secretEnc: string;
}

export interface WebhookView {
  notificationUrl: string;
  modified: string;
  secret: string;
}

interface Deps {
  accounts: AccountService;
  box: SecretBox;
}

const context = (accountId: string) => `stream-webhook:${accountId}`;

export async function getWebhook(deps: Deps, accountId: string): Promise<WebhookView | null> {
  const stored = (await deps.accounts.get(accountId)).settings.streamWebhook as StoredWebhook | undefined;
  if (!stored) return null;
  return {
    notificationUrl: stored.notificationUrl,
    modified: stored.modified,
    secret: deps.box.decryptString(stored.secretEnc, context(accountId)),
  };
}

/**
 * One subscription per account; a new URL keeps the existing secret (reference §5.8). A URL whose
 * host is, or resolves only to, non-public addresses is refused here already (see isAllowedDestination).
 */
export async function putWebhook(
  deps: Deps & { fetchPolicy: UrlPolicy },
  accountId: string,
  url: unknown,
): Promise<WebhookView> {
  if (typeof url !== 'string' || url === '') throw badRequest('notificationUrl is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest('notificationUrl must be an absolute http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw badRequest('notificationUrl must use http or https');
  if (!(await isAllowedDestination(parsed, deps.fetchPolicy)))
    throw badRequest('notificationUrl must point to a public address');
  const existing = await getWebhook(deps, accountId);
  const secret = existing?.secret ?? randomBytes(16).toString('hex');
  const stored: StoredWebhook = {
    notificationUrl: parsed.toString(),
    modified: new Date().toISOString(),
    secretEnc: deps.box.encrypt(secret, context(accountId)),
  };
  await deps.accounts.updateSettings(accountId, { streamWebhook: stored });
  return { notificationUrl: stored.notificationUrl, modified: stored.modified, secret };
}

export async function deleteWebhook(deps: Deps, accountId: string): Promise<void> {
  if (!(await getWebhook(deps, accountId))) {
    throw new KilnError('not_found', 'No webhook is configured');
  }
  await deps.accounts.updateSettings(accountId, { streamWebhook: undefined });
}

/** `Webhook-Signature: time=<unix s>,sig1=<hex HMAC-SHA256(secret, time + "." + body)>`. */
export function webhookSignature(secret: string, body: string, time = Math.floor(Date.now() / 1000)): string {
  const sig = createHmac('sha256', secret).update(`${time}.${body}`).digest('hex');
  return `time=${time},sig1=${sig}`;
}

/**
 * After ready/error: queue the notification (if subscribed); processing never waits for it. The
 * payload is the dialect's own view of the video, rendered by the function the composition root
 * passes in (core does not know Cloudflare's wire).
 */
export async function enqueueWebhook(
  deps: Deps & { jobs: JobQueue; renderVideo: (asset: Asset) => unknown },
  asset: Asset,
): Promise<void> {
  if (!(await getWebhook(deps, asset.accountId))) return;
  const body = JSON.stringify(deps.renderVideo(asset));
  await deps.jobs.enqueue(
    STREAM_WEBHOOK_JOB,
    { accountId: asset.accountId, body },
    { maxAttempts: 8, backoffMs: 2000, leaseSeconds: 60 },
  );
}

/**
 * The delivery job: POST the Video JSON, signed; any non-2xx is retried with backoff by the queue.
 * Same address rules as every other outbound fetch, and the connection goes to the address that
 * was checked (one DNS answer for the check and the connect: no rebinding in between).
 */
export async function deliverWebhook(
  deps: Deps & { fetchPolicy: UrlPolicy },
  job: JobContext<{ accountId: string; body: string }>,
): Promise<void> {
  const hook = await getWebhook(deps, job.payload.accountId);
  if (!hook) return; // unsubscribed meanwhile
  await postWebhook(
    hook.notificationUrl,
    {
      body: job.payload.body,
      headers: {
        'content-type': 'application/json',
        'webhook-signature': webhookSignature(hook.secret, job.payload.body),
        'user-agent': 'Kiln-Stream-Webhook/1.0',
      },
      signal: job.signal,
    },
    deps.fetchPolicy,
  );
}
