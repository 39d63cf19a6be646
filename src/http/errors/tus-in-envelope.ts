import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { ERRORS } from '@tus/server';
import type { FastifyRequest } from 'fastify';
import { type ErrorCode, KilnError } from '../../core/errors/kiln-error.js';
import type { ErrorRenderer } from './error-handler.js';

type TusHandle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
type AnyMethod = (this: ServerResponse, ...args: unknown[]) => unknown;

const CODES: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  423: 'conflict',
  422: 'processing_failed',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Runs @tus/server on a hijacked Fastify request, but an error answer (status >= 400) is rendered
 * by the dialect: tus writes its protocol errors as plain text ("Invalid upload-metadata"), and its
 * header validation never reaches its `onResponseError` hook, so the response itself is intercepted.
 * The status and tus' headers (Tus-Resumable, CORS) are kept; tus' text becomes the message.
 */
export async function handleTusInEnvelope(
  handle: TusHandle,
  request: FastifyRequest,
  res: ServerResponse,
  render: ErrorRenderer,
): Promise<void> {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let failed: { status: number; headers: unknown[] } | null = null;
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, enc));
  };
  const callbackOf = (args: unknown[]) => args.find((a): a is () => void => typeof a === 'function');

  res.writeHead = function (this: ServerResponse, status: number, ...args: unknown[]) {
    if (status < 400 || failed) return (original.writeHead as AnyMethod).call(this, status, ...args);
    failed = { status, headers: (args.find(Array.isArray) as unknown[]) ?? [] };
    return this;
  } as ServerResponse['writeHead'];
  res.write = function (this: ServerResponse, chunk: unknown, ...args: unknown[]) {
    if (!failed) return (original.write as AnyMethod).call(this, chunk, ...args);
    collect(chunk, args[0]);
    const cb = callbackOf(args);
    if (cb) process.nextTick(cb);
    return true;
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!failed) return (original.end as AnyMethod).apply(this, args);
    collect(args[0], args[1]);
    const cb = callbackOf(args);
    if (cb) process.nextTick(cb);
    return this;
  } as ServerResponse['end'];

  try {
    await handle(request.raw, res);
  } finally {
    Object.assign(res, original);
  }
  if (!failed || res.headersSent) return;
  const { status, headers } = failed as { status: number; headers: unknown[] };
  const text = Buffer.concat(chunks).toString('utf8').trim();
  const code = CODES[status] ?? (status >= 500 ? 'internal' : 'invalid_input');
  const err = new KilnError(code, text || STATUS_CODES[status] || 'Upload refused', {
    status,
    ...(status === 503 && { retryAfter: 1 }),
  });
  if (status >= 500) request.log.error({ status, tus: text }, 'tus request failed');
  const rendered = render(err, request);
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = String(headers[i]);
    if (!/^content-(length|type)$/i.test(name)) res.setHeader(name, headers[i + 1] as string);
  }
  if (err.retryAfter !== undefined) res.setHeader('retry-after', String(err.retryAfter));
  for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
  const body = JSON.stringify(rendered.body);
  res.writeHead(rendered.status ?? status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A creation with Upload-Defer-Length, which Kiln's store does not offer. */
export const DEFER_LENGTH_UNSUPPORTED = {
  status_code: 400,
  body: 'Upload-Defer-Length is not supported (no creation-defer-length): declare the size in Upload-Length',
};

/**
 * @tus/server's `onResponseError` for Kiln's stores, which fix the length at creation (no
 * creation-defer-length): a creation with Upload-Defer-Length is told so; a PATCH carrying
 * Upload-Length is a client error (the length is already set, tus' INVALID_LENGTH), not the 501
 * "extension not supported" tus checks first. A KilnError client error keeps its status and message.
 */
export function mapTusError(req: Request, err: Error | { status_code: number; body: string }) {
  if (err === ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION)
    return req.method === 'POST' ? DEFER_LENGTH_UNSUPPORTED : ERRORS.INVALID_LENGTH;
  // Our own refusals from the store or onUploadFinish (quota, size, not an image, the store down):
  // their status and message, not tus' blanket 500 "something went wrong".
  if (err instanceof KilnError && (err.status < 500 || err.code === 'unavailable'))
    return { status_code: err.status, body: err.message };
  return undefined;
}
