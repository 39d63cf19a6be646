import { createHmac } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import { checkFetchUrl } from '../fetch/check-url.js';
import type { JobContext } from '../jobs/job-queue.js';
import type { SecretBox } from '../signing/secret-box.js';
import type { UcWebhookPayload } from './file-events.js';
import { WebhookRepository } from './webhook-repository.js';

/** `X-Uc-Signature: v1=<hex HMAC-SHA256 of the body keyed with the hook's signing_secret>`. */
export function ucWebhookSignature(secret: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The delivery job: POST the payload to the hook's target (same address rules as every outbound
 * fetch), signed when the hook has a secret. Any non-2xx or network failure throws, so the durable
 * queue retries with backoff; a hook deleted or deactivated meanwhile drops the delivery.
 */
export async function deliverUcWebhook(
  deps: { db: Db; box: SecretBox; allowPrivateFetch: boolean },
  job: JobContext<UcWebhookPayload>,
): Promise<void> {
  const { accountId, webhookId, body } = job.payload;
  const hook = await new WebhookRepository(deps.db, deps.box).get(accountId, webhookId);
  if (!hook || !hook.isActive) return;
  const url = new URL(hook.targetUrl);
  await checkFetchUrl(url, { allowPrivate: deps.allowPrivateFetch });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Kiln-Uploadcare-Webhook/1.0',
  };
  if (hook.signingSecret) headers['x-uc-signature'] = ucWebhookSignature(hook.signingSecret, body);
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.any([job.signal, AbortSignal.timeout(15_000)]),
  });
  await res.body?.cancel();
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
}
