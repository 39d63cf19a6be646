import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobInfo, MultipartCapable, PresignCapable } from '../../core/blobs/blob-store.js';
import { KilnError } from '../../core/errors/kiln-error.js';
import { guard, isS3NotFound, mapS3Error } from './s3-errors.js';
import { withKnownLength } from './spooled-body.js';

export interface S3Bucket {
  client: S3Client;
  bucket: string;
  spoolDir: string;
  /** Validated key -> object key (with the store's prefix). */
  objectKey(key: string): string;
  stat(key: string): Promise<BlobInfo | null>;
}

/**
 * S3's own multipart upload (parts of at least 5 MiB but the last, up to 10,000) and presigned
 * URLs, so clients can send parts straight to the bucket. S3BlobStore delegates to this.
 */
export class S3MultipartUploads implements MultipartCapable, PresignCapable {
  constructor(private readonly s3: S3Bucket) {}

  private get client(): S3Client {
    return this.s3.client;
  }

  private get bucket(): string {
    return this.s3.bucket;
  }

  private get spoolDir(): string {
    return this.s3.spoolDir;
  }

  private objectKey(key: string): string {
    return this.s3.objectKey(key);
  }

  private stat(key: string): Promise<BlobInfo | null> {
    return this.s3.stat(key);
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
