import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3TestServer } from './s3-server.js';

const listDir = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** What an FsBlobStore rooted at `root` has left in its own directories: temp files, unfinished uploads. */
export async function fsLeftovers(root: string): Promise<string[]> {
  return [
    ...listDir(join(root, '.tmp')).map((f) => `.tmp/${f}`),
    ...listDir(join(root, '.multipart')).map((f) => `.multipart/${f}`),
  ];
}

/** Unfinished multipart uploads anywhere in the test server's bucket (an S3 store's temp state). */
export async function s3Leftovers(server: S3TestServer): Promise<string[]> {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  try {
    const res = await client.send(new ListMultipartUploadsCommand({ Bucket: server.bucket }));
    return (res.Uploads ?? []).map((u) => `upload ${u.Key} ${u.UploadId}`);
  } finally {
    client.destroy();
  }
}
