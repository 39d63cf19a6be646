import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, pipeline, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  paginateListObjectsV2,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { KilnError } from '../../core/errors/kiln-error.js';
import { assertValidKey, normalizePrefix } from './blob-key.js';
import type {
  BlobInfo,
  BlobStore,
  ByteRange,
  MultipartCapable,
  PresignCapable,
  PutOptions,
} from './blob-store.js';
import { isS3NotFound, mapS3Error } from './s3-errors.js';
import { withKnownLength } from './spooled-body.js';

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
export class S3BlobStore implements BlobStore, MultipartCapable, PresignCapable {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly spoolDir: string;

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

  async createMultipart(key: string, options: { contentType?: string } = {}): Promise<string> {
    const res = await guard(
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ContentType: options.contentType,
        }),
      ),
      { key },
    );
    if (!res.UploadId) throw new KilnError('unavailable', 'Object storage returned no upload id');
    return res.UploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    options: { signal?: AbortSignal; size?: number } = {},
  ): Promise<{ size: number; etag: string }> {
    checkPartNumber(partNumber);
    const objectKey = this.objectKey(key);
    const sized = await withKnownLength(body, {
      size: options.size,
      dir: this.spoolDir,
      signal: options.signal,
    });
    try {
      const res = await guard(
        this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: objectKey,
            UploadId: checkUploadId(uploadId),
            PartNumber: partNumber,
            Body: sized.body,
            ContentLength: sized.size,
          }),
          { abortSignal: options.signal },
        ),
        { key, uploadId },
      );
      return { size: sized.size, etag: res.ETag ?? '' };
    } finally {
      await sized.dispose();
    }
  }

  async listParts(
    key: string,
    uploadId: string,
  ): Promise<Array<{ partNumber: number; size: number; etag: string }>> {
    const parts: Array<{ partNumber: number; size: number; etag: string }> = [];
    // Paged by hand on IsTruncated: the SDK's paginator follows NextPartNumberMarker alone, which
    // some S3-compatible stores keep returning on the last page.
    let marker: string | undefined;
    for (;;) {
      const page = await guard(
        this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: this.objectKey(key),
            UploadId: checkUploadId(uploadId),
            PartNumberMarker: marker,
          }),
        ),
        { key, uploadId },
      );
      for (const p of page.Parts ?? []) {
        parts.push({ partNumber: p.PartNumber ?? 0, size: p.Size ?? 0, etag: p.ETag ?? '' });
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker || page.NextPartNumberMarker === marker) break;
      marker = page.NextPartNumberMarker;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, partNumbers: number[]): Promise<BlobInfo> {
    const ordered = orderedParts(partNumbers);
    const etags = new Map((await this.listParts(key, uploadId)).map((p) => [p.partNumber, p.etag]));
    const missing = ordered.filter((n) => !etags.has(n));
    if (missing.length > 0) {
      throw new KilnError('invalid_input', `Missing parts: ${missing.join(', ')}`, { details: { missing } });
    }
    await guard(
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: ordered.map((n) => ({ PartNumber: n, ETag: etags.get(n) })) },
        }),
      ),
      { key, uploadId },
    );
    const info = await this.stat(key);
    if (!info)
      throw new KilnError('unavailable', 'Object storage lost a blob just assembled', { retryAfter: 1 });
    return info;
  }

  /** Idempotent: aborting an unknown or finished upload is not an error. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: checkUploadId(uploadId),
        }),
      );
    } catch (err) {
      if (!isS3NotFound(err)) throw mapS3Error(err, { key, uploadId });
    }
  }

  presignPartUpload(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
  ): Promise<string> {
    checkPartNumber(partNumber);
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      UploadId: checkUploadId(uploadId),
      PartNumber: partNumber,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private pages(normalizedPrefix: string) {
    const parts = [this.prefix, normalizedPrefix].filter((p) => p !== '');
    const Prefix = parts.length > 0 ? `${parts.join('/')}/` : undefined;
    return mapPages(paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix }));
  }
}

/** Awaits an SDK call, translating its failure into the error model. */
async function guard<T>(call: Promise<T>, what: { key?: string; uploadId?: string } = {}): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw mapS3Error(err, what);
  }
}

async function* mapPages<T>(pages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* pages;
  } catch (err) {
    throw mapS3Error(err);
  }
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new KilnError('invalid_input', 'Part number must be an integer from 1 to 10000');
  }
}

function checkUploadId(uploadId: string): string {
  if (typeof uploadId !== 'string' || uploadId.length === 0 || uploadId.length > 1024) {
    throw new KilnError('invalid_input', 'Invalid upload id');
  }
  return uploadId;
}

function orderedParts(partNumbers: number[]): number[] {
  if (partNumbers.length === 0) throw new KilnError('invalid_input', 'At least one part is required');
  const ordered = [...partNumbers].sort((a, b) => a - b);
  if (new Set(ordered).size !== ordered.length)
    throw new KilnError('invalid_input', 'A part is listed twice');
  return ordered;
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}
