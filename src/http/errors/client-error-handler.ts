import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { KilnError } from '../../core/errors/kiln-error.js';
import type { ErrorRenderer } from './error-handler.js';

/** Which envelope a path belongs to, by prefix; the first match wins. */
export type EnvelopeRoutes = ReadonlyArray<readonly [prefix: string, render: ErrorRenderer]>;

type ClientError = Error & { code?: string; rawPacket?: unknown };

/**
 * Node refuses some requests before Fastify sees them (headers over maxHeaderSize: 431, headers
 * too slow: 408, unparsable: 400). Fastify's default answer is its own JSON; this one renders the
 * refusal in the envelope of the dialect whose path the request line names (read from the bytes
 * Node had received), so a Cloudflare or Uploadcare client can still parse it.
 */
export function clientErrorHandler(routes: EnvelopeRoutes, fallback: ErrorRenderer) {
  return (err: ClientError, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const line = /^([A-Z]+) (\S+) HTTP\//.exec(
      Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 8192).toString('latin1') : '',
    );
    const url = line?.[2] ?? '/';
    const path = url.split('?')[0]!;
    const render = routes.find(([prefix]) => path.startsWith(prefix))?.[1] ?? fallback;
    const message =
      status === 408
        ? 'The request was not received in time'
        : status === 431
          ? 'Request header fields too large'
          : 'Malformed HTTP request';
    const kilnError = new KilnError(status === 408 ? 'timeout' : 'invalid_input', message, { status });
    // No request was parsed: the renderers get what the request line says (path and query).
    const request = {
      method: line?.[1] ?? 'GET',
      url,
      headers: {},
      query: Object.fromEntries(new URLSearchParams(url.slice(path.length + 1))),
    } as unknown as FastifyRequest;
    const rendered = render(kilnError, request);
    const body = typeof rendered.body === 'string' ? rendered.body : JSON.stringify(rendered.body);
    const headers: Record<string, string> = {
      'content-type':
        typeof rendered.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...rendered.headers,
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    const code = rendered.status ?? status;
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\n${head}\r\n${body}`);
  };
}
