import { type ClientRequest, request } from 'node:http';

export interface StreamedUpload {
  req: ClientRequest;
  /** Writes more of the body (resolves once the socket took it). */
  write(chunk: Buffer): Promise<void>;
  end(chunk?: Buffer): void;
  /** Status and body text, or the transport error (e.g. the node was killed). */
  response: Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
}

/**
 * A raw-body upload whose body the test sends piece by piece, so it can kill a node, take a backend
 * away or stall in the middle of it. `length` is announced in Content-Length. A POST of
 * application/octet-stream unless told otherwise (a tus PATCH: method and headers).
 */
export function streamUpload(
  url: string,
  token: string,
  length: number,
  options: { method?: string; headers?: Record<string, string> } = {},
): StreamedUpload {
  const req = request(url, {
    method: options.method ?? 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      ...options.headers,
    },
  });
  const response = new Promise<{
    status: number;
    body: string;
    headers: Record<string, string | string[] | undefined>;
  }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
  });
  response.catch(() => {});
  return {
    req,
    write: (chunk) =>
      new Promise((resolve, reject) => req.write(chunk, (err) => (err ? reject(err) : resolve()))),
    end: (chunk) => req.end(chunk),
    response,
  };
}
