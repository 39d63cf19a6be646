import { request } from 'undici';
import { checkFetchUrl, type UrlPolicy } from './check-url.js';
import { pinnedAgent, pinPolicy } from './pinned-lookup.js';

/**
 * POSTs one webhook delivery: the same address rules as every outbound fetch, and the connection
 * goes to the address that was checked (one DNS answer for the check and the connect, so a name
 * cannot rebind to a private address in between). No redirects are followed. A non-2xx answer or a
 * network failure throws, so the durable queue retries the job with backoff.
 */
export async function postWebhook(
  target: string,
  delivery: { body: string; headers: Record<string, string>; signal: AbortSignal },
  fetchPolicy: UrlPolicy,
  timeoutMs = 15_000,
): Promise<void> {
  const url = new URL(target);
  const policy = pinPolicy(fetchPolicy);
  await checkFetchUrl(url, policy);
  const dispatcher = pinnedAgent(policy, timeoutMs);
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.any([delivery.signal, AbortSignal.timeout(timeoutMs)]),
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300)
      throw new Error(`webhook answered HTTP ${res.statusCode}`);
  } finally {
    await dispatcher.close().catch(() => {});
  }
}
