import type { FastifyRequest } from 'fastify';

export interface DiscardOptions {
  /** Read at most this much more before giving up on the connection. */
  maxBytes?: number;
  /** Give a slow client this long to finish sending. */
  graceMs?: number;
}

/**
 * After refusing an upload mid-body (413, not an image...), the rest of the request must still be
 * read: a keep-alive client reuses the connection, and unread body bytes would be parsed as its next
 * request (which then hangs). So the body is detached from its parser (a multipart parser stops
 * reading once its part is abandoned) and drained in the background, a bounded lingering close as
 * nginx does: a client that keeps sending past `maxBytes` or `graceMs` has its socket closed.
 */
export function discardRequestBody(request: FastifyRequest, options: DiscardOptions = {}): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let seen = 0;
  const cut = () => raw.socket?.destroy();
  const timer = setTimeout(cut, options.graceMs ?? 30_000);
  timer.unref();
  raw.unpipe();
  raw.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) cut();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}
