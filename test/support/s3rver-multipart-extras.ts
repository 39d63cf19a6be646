import { readdir, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * s3rver 3.7.1 implements CreateMultipartUpload, UploadPart and CompleteMultipartUpload but not
 * ListParts, AbortMultipartUpload or ListMultipartUploads (it answers 405 / NotImplemented). Real S3,
 * MinIO and @tus/s3-store all rely on them, so the test server answers these three itself, from
 * s3rver's own on-disk layout: `<dir>/<bucket>/._S3rver_uploads/<uploadId>/{key, 1, 1.md5, ...}`.
 * These three requests are not signature-checked (every other request is, by s3rver).
 *
 * Returns true when it handled the request.
 */
export async function handleMultipartExtras(
  directory: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://s3.local');
  const [bucket, ...keyParts] = url.pathname.slice(1).split('/');
  if (!bucket || !/^[a-z0-9.-]+$/.test(bucket)) return false;
  const key = keyParts.map(decodeURIComponent).join('/');
  const uploadsDir = join(directory, bucket, '._S3rver_uploads');
  const uploadId = url.searchParams.get('uploadId');

  if (req.method === 'GET' && key === '' && url.searchParams.has('uploads')) {
    await listUploads(uploadsDir, bucket, url.searchParams.get('prefix') ?? '', res);
    return true;
  }
  if (key === '' || uploadId === null || url.searchParams.has('partNumber')) return false;
  if (req.method !== 'GET' && req.method !== 'DELETE') return false;

  const uploadDir = /^[A-Za-z0-9_-]+$/.test(uploadId) ? join(uploadsDir, uploadId) : null;
  const owner = uploadDir ? await readFile(join(uploadDir, 'key'), 'utf8').catch(() => null) : null;
  if (!uploadDir || owner !== key) {
    send(
      res,
      404,
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message>` +
        `<UploadId>${xml(uploadId)}</UploadId></Error>`,
    );
    return true;
  }
  if (req.method === 'DELETE') {
    await rm(uploadDir, { recursive: true, force: true });
    res.writeHead(204).end();
    return true;
  }
  await listParts(uploadDir, { bucket, key, uploadId }, url.searchParams, res);
  return true;
}

async function listParts(
  uploadDir: string,
  ids: { bucket: string; key: string; uploadId: string },
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const marker = Number(query.get('part-number-marker') ?? 0);
  const maxParts = Math.min(Number(query.get('max-parts') ?? 1000), 1000);
  const numbers = (await readdir(uploadDir))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((n) => n > marker)
    .sort((a, b) => a - b);
  const page = numbers.slice(0, maxParts);
  const parts = await Promise.all(
    page.map(async (n) => {
      const [info, md5] = await Promise.all([
        stat(join(uploadDir, String(n))),
        readFile(join(uploadDir, `${n}.md5`), 'utf8'),
      ]);
      return (
        `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified>` +
        `<ETag>"${xml(md5)}"</ETag><Size>${info.size}</Size></Part>`
      );
    }),
  );
  const truncated = numbers.length > page.length;
  send(
    res,
    200,
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${xml(ids.bucket)}</Bucket><Key>${xml(ids.key)}</Key><UploadId>${xml(ids.uploadId)}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker>` +
      (truncated ? `<NextPartNumberMarker>${page.at(-1)}</NextPartNumberMarker>` : '') +
      `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>` +
      `<StorageClass>STANDARD</StorageClass>${parts.join('')}</ListPartsResult>`,
  );
}

async function listUploads(uploadsDir: string, bucket: string, prefix: string, res: ServerResponse) {
  const ids = await readdir(uploadsDir).catch(() => [] as string[]);
  const uploads: string[] = [];
  for (const id of ids) {
    const key = await readFile(join(uploadsDir, id, 'key'), 'utf8').catch(() => null);
    if (key === null || !key.startsWith(prefix)) continue;
    const info = await stat(join(uploadsDir, id));
    uploads.push(
      `<Upload><Key>${xml(key)}</Key><UploadId>${xml(id)}</UploadId>` +
        `<Initiated>${info.birthtime.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    );
  }
  send(
    res,
    200,
    `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${xml(bucket)}</Bucket><Prefix>${xml(prefix)}</Prefix><MaxUploads>1000</MaxUploads>` +
      `<IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`,
  );
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
