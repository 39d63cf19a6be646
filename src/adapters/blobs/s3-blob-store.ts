import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, pipeline, Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type {
  BlobInfo,
  BlobStore,
  ByteRange,
  MultipartCapable,
  PresignCapable,
  PutOptions,
  SmallRead,
  SmallReadCapable,
  StaleUploadsCapable,
} from '../../core/blobs/blob-store.js';
import { KilnError } from '../../core/errors/kiln-error.js';
import { assertValidKey, normalizePrefix } from './blob-key.js';
import { guard, isS3NotFound, mapS3Error } from './s3-errors.js';
import { S3MultipartUploads } from './s3-multipart-uploads.js';
import { removeStaleEntries } from './stale-files.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Every key is stored under `prefix/` (no leading or trailing slash needed). */
  prefix?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Omitted: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** put() part size for large bodies; S3's minimum is 5 MiB. Default 8 MiB. */
  partSize?: number;
  /** Parts of one put() in flight at once. Memory per put is about partSize * queueSize. Default 4. */
  queueSize?: number;
  /** Where uploadPart() spools a stream of unknown length (S3 needs a Content-Length). Default `<os.tmpdir()>/kiln-s3-spool`. */
  spoolDir?: string;
}

/**
 * Blobs in an S3-compatible bucket. put() streams through lib-storage's Upload (one PUT for small
 * bodies, a multipart upload for large ones, aborted on failure so nothing is left). Checksums are
 * sent only when an operation requires them: S3-compatible stores (MinIO, R2, s3rver) do not all
 * understand the SDK's newer default of streaming CRC32 trailers.
 */
export class S3BlobStore
  implements BlobStore, MultipartCapable, PresignCapable, SmallReadCapable, StaleUploadsCapable
{
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  readonly spoolDir: string;
  private readonly uploads: S3MultipartUploads;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? normalizePrefix(options.prefix.replace(/^\/+/, '')) : '';
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.spoolDir = options.spoolDir ?? join(tmpdir(), 'kiln-s3-spool');
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that is down must fail fast enough for a clean 503, not hang a request.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
    this.uploads = new S3MultipartUploads(this);
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<BlobInfo> {
    const objectKey = this.objectKey(key);
    const { signal } = options;
    signal?.throwIfAborted();
    // The abort reaches Upload as an error of its body: Upload then aborts its multipart upload
    // and settles only after that cleanup, unlike Upload.abort(), which settles at once.
    const source = new PassThrough();
    pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, source, () => {});
    const onAbort = () => source.destroy(signal?.reason ?? abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: source, ContentType: options.contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw mapS3Error(err, { key });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) {
      // The abort came after the last byte was sent: undo the write so the caller's view holds.
      await this.delete(key);
      throw signal.reason ?? abortError();
    }
    const info = await this.stat(key);
    if (!info)
      throw new KilnError('unavailable', 'Object storage lost a blob just written', { retryAfter: 1 });
    return info;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (range && (range.start < 0 || range.end < range.start)) {
      throw new KilnError('range_not_satisfiable', 'Requested range is not satisfiable');
    }
    const res = await guard(
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      ),
      { key },
    );
    return res.Body as Readable;
  }

  /** One GET instead of a HEAD then a GET; a body over `maxBytes` is dropped unread. */
  async readSmall(key: string, maxBytes: number): Promise<SmallRead | null> {
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (isS3NotFound(err)) return null;
      throw mapS3Error(err, { key });
    }
    const body = res.Body as Readable & { transformToByteArray(): Promise<Uint8Array> };
    const info = { key, size: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0) };
    if (info.size > maxBytes) {
      body.destroy();
      return { info };
    }
    const bytes = await body.transformToByteArray();
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { info: { ...info, size: data.length }, data };
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return { key, size: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (isS3NotFound(err)) return null;
      throw mapS3Error(err, { key });
    }
  }

  async delete(key: string): Promise<void> {
    await guard(
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
      { key },
    );
  }

  async deletePrefix(prefix: string): Promise<void> {
    const normalized = normalizePrefix(prefix);
    if (normalized === '') throw new KilnError('invalid_input', 'deletePrefix needs a non-empty prefix');
    // Each listed page holds at most 1000 keys, the most one DeleteObjects call accepts.
    for await (const page of this.pages(normalized)) {
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length === 0) continue;
      const res = await guard(
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
        ),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new KilnError('unavailable', `Object storage failed to delete ${failed.length} objects`, {
          retryAfter: 1,
          details: { first: failed[0]?.Key, code: failed[0]?.Code },
        });
      }
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const normalized = normalizePrefix(prefix);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    for await (const page of this.pages(normalized)) {
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key.slice(strip), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    // CopyObject handles objects up to 5 GiB; larger ones would need UploadPartCopy.
    const source = `${this.bucket}/${this.objectKey(fromKey)}`.split('/').map(encodeURIComponent).join('/');
    await guard(
      this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), CopySource: source }),
      ),
      { key: fromKey },
    );
  }

  async ping(): Promise<void> {
    await guard(this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  createMultipart(key: string, options?: { contentType?: string }): Promise<string> {
    return this.uploads.createMultipart(key, options);
  }

  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    options?: { signal?: AbortSignal; size?: number },
  ): Promise<{ size: number; etag: string }> {
    return this.uploads.uploadPart(key, uploadId, partNumber, body, options);
  }

  listParts(
    key: string,
    uploadId: string,
  ): Promise<Array<{ partNumber: number; size: number; etag: string }>> {
    return this.uploads.listParts(key, uploadId);
  }

  completeMultipart(key: string, uploadId: string, partNumbers: number[]): Promise<BlobInfo> {
    return this.uploads.completeMultipart(key, uploadId, partNumbers);
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return this.uploads.abortMultipart(key, uploadId);
  }

  /**
   * Aborts multipart uploads under this store's prefix initiated before `olderThan` (lib-storage
   * leaves one open when the process dies mid-put; S3 bills its parts until aborted), and removes
   * stale spool files of this machine.
   */
  async removeStaleUploads(olderThan: Date): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await guard(
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.prefix ? `${this.prefix}/` : undefined,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        ),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
        await guard(
          this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: upload.Key,
              UploadId: upload.UploadId,
            }),
          ),
        ).catch((err) => {
          if (!(err instanceof KilnError && err.code === 'not_found')) throw err;
        });
        removed++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed + (await removeStaleEntries(this.spoolDir, olderThan));
  }

  presignPartUpload(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
  ): Promise<string> {
    return this.uploads.presignPartUpload(key, uploadId, partNumber, expiresInSeconds);
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return this.uploads.presignGet(key, expiresInSeconds);
  }

  objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private pages(normalizedPrefix: string) {
    const parts = [this.prefix, normalizedPrefix].filter((p) => p !== '');
    const Prefix = parts.length > 0 ? `${parts.join('/')}/` : undefined;
    return mapPages(paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix }));
  }
}

async function* mapPages<T>(pages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* pages;
  } catch (err) {
    throw mapS3Error(err);
  }
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}
