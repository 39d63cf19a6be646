import { getWebhook, STREAM_WEBHOOK_JOB } from '../cloudflare-stream/stream-webhooks.js';
import type { LiveDeps } from './live-deps.js';
import type { LiveInput } from './live-inputs.js';

export type LiveEvent = 'live_input.connected' | 'live_input.disconnected' | 'live_input.errored';

/**
 * Live input events go to the account's Stream webhook through the webhook delivery job (signed
 * like video notifications), in the shape of Cloudflare's Notifications payload (reference §5.8):
 * `{name, text, data: {notification_name, input_id, event_type, updated_at}, ts}`.
 */
export async function enqueueLiveEvent(
  runtime: Pick<LiveDeps, 'accounts' | 'box' | 'jobs'>,
  input: Pick<LiveInput, 'id' | 'accountId'>,
  event: LiveEvent,
): Promise<void> {
  if (!(await getWebhook(runtime, input.accountId))) return;
  const now = new Date();
  const body = JSON.stringify({
    name: 'Stream Live Input',
    text: `Live input ${input.id}: ${event.slice('live_input.'.length)}`,
    data: {
      notification_name: 'Stream Live Input',
      input_id: input.id,
      event_type: event,
      updated_at: now.toISOString(),
    },
    ts: Math.floor(now.getTime() / 1000),
  });
  await runtime.jobs.enqueue(
    STREAM_WEBHOOK_JOB,
    { accountId: input.accountId, body },
    { maxAttempts: 8, backoffMs: 2000, leaseSeconds: 60 },
  );
}
