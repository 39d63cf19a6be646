import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
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
  /** The local directory where s3rver keeps the objects' bytes. */
  directory: string;
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
  fixFirstByteRange(s3rver);
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
  const query = new URLSearchParams({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: 'true',
    accessKeyId,
    secretAccessKey,
  });
  const path = options.prefix ? `/${options.prefix}` : '';
  return {
    endpoint,
    bucket,
    storageUrl: `s3://${bucket}${path}?${query}`,
    accessKeyId,
    secretAccessKey,
    directory,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

interface S3rverStore {
  getObject(
    bucket: string,
    key: string,
    options?: { start?: number; end?: number },
  ): Promise<S3rverObject | null>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}
interface S3rverObject {
  content: Readable | null;
  range?: { start: number; end: number };
}

/**
 * s3rver 3.7.1 reads the range end as `options.end || Infinity`, so `Range: bytes=0-0` (the first
 * byte, which S3 serves as one byte) returns the whole object. This restores S3's behaviour.
 */
function fixFirstByteRange(s3rver: S3rver): void {
  const store = (s3rver as unknown as { store: S3rverStore }).store;
  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    if (options?.end === 0 && object?.content) {
      object.content.destroy();
      object.content = createReadStream(store.getResourcePath(bucket, key, 'object'), { start: 0, end: 0 });
      object.range = { start: 0, end: 0 };
    }
    return object;
  };
}
