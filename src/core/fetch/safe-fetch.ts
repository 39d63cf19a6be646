import { type Readable, Transform } from 'node:stream';
import contentDisposition from 'content-disposition';
import { request } from 'undici';
import { checkFetchUrl, parseFetchUrl, type UrlPolicy } from './check-url.js';
import { fetchError } from './fetch-error.js';
import { pinnedAgent, pinPolicy } from './pinned-lookup.js';

export interface SafeFetchOptions extends UrlPolicy {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Extra request headers (conditional requests: If-None-Match, If-Modified-Since). */
  headers?: Record<string, string>;
}

export interface FetchedResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  contentType?: string;
  /** From Content-Length, when the server sent one. */
  contentLength?: number;
  /** From Content-Disposition, else the last path segment; unsanitised. */
  filename?: string;
  /** Streams the body; errors with too_large past maxBytes. */
  body: Readable;
  /** The final response's headers (validators, Cache-Control). */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Fetches a user-supplied URL safely: only http(s), only public addresses (checked for every
 * redirect hop; each name is resolved once and the connection goes to the checked address, so DNS
 * rebinding cannot slip a private address in),
 * bounded redirects, size and time.
 */
export async function safeFetch(raw: string, unpinned: SafeFetchOptions): Promise<FetchedResponse> {
  const options = pinPolicy(unpinned);
  const maxRedirects = options.maxRedirects ?? 5;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const dispatcher = pinnedAgent(options, options.timeoutMs);
  let url = parseFetchUrl(raw);
  try {
    for (let hop = 0; ; hop++) {
      await checkFetchUrl(url, options);
      const res = await request(url, {
        method: 'GET',
        dispatcher,
        signal,
        headers: { 'user-agent': 'Kiln/1.0 (+self-hosted media server)', accept: '*/*', ...options.headers },
      }).catch((err) => {
        throw timeout.aborted ? fetchError('timeout') : (asFetchError(err) ?? fetchError('connection'));
      });
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        res.body.resume();
        if (hop >= maxRedirects) throw fetchError('redirects');
        url = parseFetchUrl(new URL(location, url).toString());
        continue;
      }
      if (res.statusCode >= 400) {
        res.body.resume();
        throw fetchError('http_status', `HTTP ${res.statusCode}.`);
      }
      const length = Number(res.headers['content-length']);
      if (Number.isFinite(length) && length > options.maxBytes) {
        res.body.destroy();
        throw fetchError('too_large');
      }
      const body = limitBody(res.body, options.maxBytes, timeout);
      body.once('close', () => void dispatcher.close().catch(() => {}));
      return {
        url: url.toString(),
        status: res.statusCode,
        contentType: headerString(res.headers['content-type']),
        contentLength: Number.isFinite(length) ? length : undefined,
        filename: filenameOf(headerString(res.headers['content-disposition']), url),
        body,
        headers: res.headers,
      };
    }
  } catch (err) {
    await dispatcher.close().catch(() => {});
    throw err;
  }
}

function asFetchError(err: unknown) {
  const code =
    (err as { code?: string; cause?: { code?: string } })?.code ??
    (err as { cause?: { code?: string } })?.cause?.code;
  if (code === 'EKILNPRIVATE') return fetchError('private_ip');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fetchError('host_not_found');
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return fetchError('timeout');
  return undefined;
}

function limitBody(source: Readable, maxBytes: number, timeout: AbortSignal): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(fetchError('too_large'));
      else done(null, chunk);
    },
  });
  source.once('error', (err) => counter.destroy(timeout.aborted ? fetchError('timeout') : err));
  counter.once('close', () => source.destroy());
  return source.pipe(counter);
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function filenameOf(disposition: string | undefined, url: URL): string | undefined {
  if (disposition) {
    try {
      const name = contentDisposition.parse(disposition).parameters.filename;
      if (name) return name;
    } catch {}
  }
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
