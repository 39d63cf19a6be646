/**
 * The one place where image sources are fetched from the network: through the safe fetch (public
 * addresses only unless KILN_ALLOW_PRIVATE_FETCH, every redirect and DNS answer checked, size and
 * time limits), with a conditional request when a cached copy has validators.
 */
import { safeFetch } from '../../fetch/safe-fetch.js';

export interface RemoteFetchPolicy {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  /** For tests: resolve names without DNS (the policy applies to what it returns). */
  resolver?: (host: string) => Promise<string[]>;
}

export interface RemoteFetchResult {
  status: 200 | 304;
  body?: Buffer;
  etag?: string;
  lastModified?: string;
  cacheControl?: string;
  expires?: string;
  contentType?: string;
}

export async function fetchRemoteSource(
  url: string,
  policy: RemoteFetchPolicy,
  validators: { etag?: string | null; lastModified?: string | null } = {},
): Promise<RemoteFetchResult> {
  const headers: Record<string, string> = { accept: 'image/avif,image/webp,image/*;q=0.9,*/*;q=0.5' };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  const res = await safeFetch(url, {
    allowPrivate: policy.allowPrivate,
    maxBytes: policy.maxBytes,
    timeoutMs: policy.timeoutMs,
    headers,
    ...(policy.resolver && { resolver: policy.resolver }),
  });
  const h = (name: string) => {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const facts = {
    etag: h('etag'),
    lastModified: h('last-modified'),
    cacheControl: h('cache-control'),
    expires: h('expires'),
    contentType: res.contentType,
  };
  if (res.status === 304) {
    res.body.resume();
    return { status: 304, ...facts };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return { status: 200, body: Buffer.concat(chunks), ...facts };
}
