import { createHmac } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { UrlPolicy } from '../fetch/check-url.js';
import { postWebhook } from '../fetch/post-webhook.js';
import type { JobContext } from '../jobs/job-queue.js';
import type { SecretBox } from '../signing/secret-box.js';
import type { UcWebhookPayload } from './file-events.js';
import { WebhookRepository } from './webhook-repository.js';

/** `X-Uc-Signature: v1=<hex HMAC-SHA256 of the body keyed with the hook's signing_secret>`. */
export function ucWebhookSignature(secret: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The delivery job: POST the payload to the hook's target (postWebhook: the address rules of every
 * outbound fetch, connected to the checked address), signed when the hook has a secret. A failure
 * throws, so the durable queue retries with backoff; a hook deleted or deactivated meanwhile drops it.
 */
export async function deliverUcWebhook(
  deps: { db: Db; box: SecretBox; fetchPolicy: UrlPolicy },
  job: JobContext<UcWebhookPayload>,
): Promise<void> {
  const { accountId, webhookId, body } = job.payload;
  const hook = await new WebhookRepository(deps.db, deps.box).get(accountId, webhookId);
  if (!hook || !hook.isActive) return;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Kiln-Uploadcare-Webhook/1.0',
  };
  if (hook.signingSecret) headers['x-uc-signature'] = ucWebhookSignature(hook.signingSecret, body);
  await postWebhook(hook.targetUrl, { body, headers, signal: job.signal }, deps.fetchPolicy);
}
