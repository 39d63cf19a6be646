import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { handleMultipartExtras } from './s3rver-multipart-extras.js';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /**
   * A KILN_STORAGE_URL for this server, credentials included as query parameters
   * (`accessKeyId`, `secretAccessKey`), so a child `kiln serve` needs no AWS_* variables.
   */
  storageUrl: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * An S3 protocol server (s3rver, plus the multipart calls it lacks) on 127.0.0.1 at a free port,
 * over a fresh temp directory with one bucket. s3rver's credentials are fixed: S3RVER / S3RVER.
 */
export async function startS3Server(options: { prefix?: string } = {}): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'kiln-s3-'));
  const bucket = 'kiln-test';
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const app = s3rver.callback();
  const server = createServer((req, res) => {
    if (process.env.S3_DEBUG) res.on('finish', () => console.error(req.method, req.url, res.statusCode));
    handleMultipartExtras(directory, req, res)
      .then((handled) => {
        if (!handled) app(req, res);
      })
      .catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKeyId = 'S3RVER';
  const secretAccessKey = 'S3RVER';
  const query = new URLSearchParams({ endpoint, region: 'us-east-1', forcePathStyle: 'true', accessKeyId, secretAccessKey });
  const path = options.prefix ? `/${options.prefix}` : '';
  return {
    endpoint,
    bucket,
    storageUrl: `s3://${bucket}${path}?${query}`,
    accessKeyId,
    secretAccessKey,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
