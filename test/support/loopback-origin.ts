import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OriginImage {
  body: Buffer;
  contentType?: string;
  cacheControl?: string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Never answer (a stalled origin). */
  stall?: boolean;
  status?: number;
  /** Redirect to this path instead. */
  redirect?: string;
}

/**
 * A real HTTP origin on 127.0.0.1 for remote-source tests: serves what `set` put at a path with a
 * strong ETag and Last-Modified, answers conditional requests with 304, and counts every request
 * (and the 304s) per path. Images can change, stall, redirect, fail or be no image at all.
 */
export async function startLoopbackOrigin() {
  const files = new Map<string, OriginImage & { etag: string; lastModified: string }>();
  const hits = new Map<string, number>();
  const notModified = new Map<string, number>();
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    if (file.stall) {
      held.push(res);
      return;
    }
    const answer = () => {
      if (file.redirect) {
        res.writeHead(302, { location: file.redirect }).end();
        return;
      }
      if (file.status && file.status >= 400) {
        res.writeHead(file.status).end('origin error');
        return;
      }
      const headers = {
        etag: file.etag,
        'last-modified': file.lastModified,
        'content-type': file.contentType ?? 'image/jpeg',
        ...(file.cacheControl && { 'cache-control': file.cacheControl }),
      };
      if (req.headers['if-none-match'] === file.etag) {
        notModified.set(path, (notModified.get(path) ?? 0) + 1);
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': file.body.length }).end(file.body);
    };
    if (file.delayMs) setTimeout(answer, file.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    set(path: string, image: OriginImage) {
      const etag = `"${createHash('sha256').update(image.body).digest('hex').slice(0, 16)}"`;
      files.set(path, { ...image, etag, lastModified: new Date().toUTCString() });
    },
    hits: (path: string) => hits.get(path) ?? 0,
    notModified: (path: string) => notModified.get(path) ?? 0,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
