import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readSmallBlob } from '../../adapters/blobs/read-small-blob.js';
import type { BlobStore } from '../../core/blobs/blob-store.js';
import { userContentDisposition, userContentHeaders } from '../../core/delivery/active-content.js';
import type { Disposition } from '../../core/delivery/content-disposition.js';
import type { HotCache } from '../../core/delivery/hot-cache.js';
import { planDelivery } from '../../core/delivery/plan-delivery.js';
import type { DeliveryUsage, UsageMeter } from '../../core/usage/usage-meter.js';
import { onDeliveryOrigin } from './delivery-origin.js';

export interface DeliverableBlob {
  key: string;
  size: number;
  lastModified: Date;
  etag: string;
  contentType: string;
  /** The blob's bytes when already in memory (a just-rendered variant): sent without a read. */
  data?: Buffer;
}

export interface SendBlobOptions {
  cacheControl: string;
  disposition?: Disposition;
  /** Added to every answer (200/206/304/416); the plan's own headers win on a clash. */
  extraHeaders?: Record<string, string>;
  /** Request headers the answer depends on (e.g. ['Accept'] when the format was negotiated). */
  vary?: string[];
  /** Keep a small blob's bytes in memory (originals): later hits skip the store. */
  memory?: HotCache;
  /** Whose delivery this is and what it serves: counted as the account's usage (docs/usage.md). */
  usage?: DeliveryUsage & { meter: UsageMeter };
}

/**
 * Answers a GET or HEAD for a stored blob: validators, conditional requests and byte ranges per
 * planDelivery, then streams only the bytes the plan names (HEAD, 304 and 416 read nothing).
 * Returns the reply, as an async Fastify handler must after send().
 *
 * Every blob is user content: it goes out with nosniff and the sandboxing CSP, and an active type
 * (HTML, SVG, XML, script, PDF: see active-content.ts) as an attachment unless the request came in
 * on the separate delivery origin. This is the one place that decides it for every dialect.
 *
 * A client that leaves, mid-download or while the blob is being opened: Fastify destroys the payload
 * stream as soon as it sees the response closed early (reply.js sendStream, end-of-stream on `res`),
 * which closes the blob's file or S3 connection. The tests check both cases by watching open files.
 */
export async function sendBlob(
  reply: FastifyReply,
  request: FastifyRequest,
  store: BlobStore,
  blob: DeliverableBlob,
  options: SendBlobOptions,
): Promise<FastifyReply> {
  const h = request.headers;
  const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
  const deliveryOrigin = onDeliveryOrigin(request);
  // The fast path: a plain GET of a whole blob. Its headers depend only on the blob and the options,
  // so they are built once per version and reused (the plan would come out the same every time).
  const plain =
    method === 'GET' && blob.size > 0 && !h.range && !h['if-none-match'] && !h['if-modified-since'];
  const memoKey = plain ? headerMemoKey(blob, options, deliveryOrigin) : undefined;
  const memo = memoKey === undefined ? undefined : WHOLE_HEADERS.get(memoKey);
  if (memo) {
    reply.code(200);
    reply.headers(memo);
    countDelivery(options, blob.size);
    const data = blob.data ?? (options.memory ? await inMemory(options.memory, store, blob) : undefined);
    return reply.send(data ?? (await store.get(blob.key)));
  }

  const plan = planDelivery({
    size: blob.size,
    lastModified: blob.lastModified,
    etag: blob.etag,
    contentType: blob.contentType,
    method,
    headers: {
      range: h.range,
      ifNoneMatch: h['if-none-match'],
      ifModifiedSince: h['if-modified-since'],
      ifRange: single(h['if-range']),
    },
    cacheControl: options.cacheControl,
    disposition: userContentDisposition(blob.contentType, options.disposition, deliveryOrigin),
  });

  reply.code(plan.status);
  const headers: Record<string, string> = {
    ...options.extraHeaders,
    ...plan.headers,
    ...userContentHeaders(blob.contentType),
  };
  if (options.vary?.length) headers.vary = options.vary.join(', ');
  reply.headers(headers);
  if (memoKey !== undefined && plan.status === 200) {
    WHOLE_HEADERS.set(memoKey, headers);
    if (WHOLE_HEADERS.size > HEADER_MEMO_SIZE) WHOLE_HEADERS.delete(WHOLE_HEADERS.keys().next().value!);
  }
  countDelivery(
    options,
    plan.body.kind === 'none'
      ? 0
      : plan.body.kind === 'range'
        ? plan.body.range.end - plan.body.range.start + 1
        : blob.size,
  );
  if (plan.body.kind === 'none') {
    // Fastify's automatic HEAD route rewrites Content-Length to 0 for an empty payload but leaves it
    // alone for a stream; an empty stream keeps the real length (HEAD 200, and HEAD 304 where 0 would lie).
    return reply.send(request.method === 'HEAD' ? Readable.from([]) : undefined);
  }

  const range = plan.body.kind === 'range' ? plan.body.range : undefined;
  const data = blob.data ?? (options.memory ? await inMemory(options.memory, store, blob) : undefined);
  if (data) return reply.send(range ? data.subarray(range.start, range.end + 1) : data);
  const stream = await store.get(blob.key, range);
  return reply.send(stream);
}

/** The one usage hook of every blob delivery: a request and the bytes its answer carries. */
function countDelivery(options: SendBlobOptions, bytes: number): void {
  const usage = options.usage;
  if (usage) usage.meter.delivered(usage, bytes);
}

/**
 * A small blob's bytes from memory, read whole (one sized read) on first use. The key carries the
 * validator, so an edited blob is another entry; undefined for blobs too large to keep.
 */
async function inMemory(
  memory: HotCache,
  store: BlobStore,
  blob: DeliverableBlob,
): Promise<Buffer | undefined> {
  if (!memory.admits(blob.size)) return undefined;
  const key = `${blob.key}\n${blob.etag}\n${blob.lastModified.getTime()}\n${blob.size}`;
  const hit = memory.get(key);
  if (hit) return hit;
  const found = await readSmallBlob(store, blob.key, memory.maxEntryBytes);
  // A blob that changed under its row (or vanished) is streamed as before: never cached.
  if (!found?.data || found.data.length !== blob.size) return undefined;
  memory.set(key, found.data);
  return found.data;
}

/** Headers of whole-blob 200 answers by everything they depend on (oldest out first). */
const WHOLE_HEADERS = new Map<string, Record<string, string>>();
const HEADER_MEMO_SIZE = 2048;

function headerMemoKey(blob: DeliverableBlob, options: SendBlobOptions, deliveryOrigin: boolean): string {
  const d = options.disposition;
  const extra = options.extraHeaders ? JSON.stringify(options.extraHeaders) : '';
  return `${blob.etag}\n${blob.lastModified.getTime()}\n${blob.size}\n${blob.contentType}\n${options.cacheControl}\n${d ? `${d.type}\n${d.filename ?? ''}` : '-'}\n${deliveryOrigin}\n${options.vary?.join(',') ?? ''}\n${extra}`;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
