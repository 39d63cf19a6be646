import type { Readable } from 'node:stream';

/**
 * The minimal contract every blob backend meets. Keys are `/`-separated relative paths
 * (`a/b/c`); implementations reject keys that are absolute, contain `..`, `\`, NUL or empty segments.
 *
 * Optional capabilities (multipart parts, presigned URLs) are separate interfaces, discovered at run
 * time with the type guards below (tusd's StoreComposer idea): no no-op methods.
 */
export interface BlobStore {
  readonly kind: 'fs' | 's3';

  /**
   * Streams `body` into `key`. Atomic: the key is visible only once every byte is durable
   * (fs: temp file, fsync, rename; s3: upload completes). If `body` errors or `signal` aborts,
   * nothing is left behind and the promise rejects with that error.
   */
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<BlobInfo>;

  /** Reads a key, whole or a byte range (inclusive `end`). Throws KilnError not_found if absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;

  /** Size and modification time, or null if absent. */
  stat(key: string): Promise<BlobInfo | null>;

  /** Removes a key; removing an absent key is not an error. */
  delete(key: string): Promise<void>;

  /** Removes every key under a prefix (`prefix/`). */
  deletePrefix(prefix: string): Promise<void>;

  /** Lists keys under a prefix, in no particular order. */
  list(prefix: string): AsyncIterable<BlobInfo>;

  /** Server-side copy. */
  copy(fromKey: string, toKey: string): Promise<void>;

  /** Checks the backend is reachable (for /healthz). */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
  signal?: AbortSignal;
  /**
   * false for derived data that can be rebuilt (the image variant cache): the fs store skips its
   * fsyncs. Readers still never see a partial file, but after a machine crash the key may hold an
   * empty file, which the caller must treat as absent. S3 is durable either way.
   */
  durable?: boolean;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/** Upload in numbered parts (any order, in parallel), then assemble them into one key. */
export interface MultipartCapable {
  createMultipart(key: string, options?: { contentType?: string }): Promise<string /* uploadId */>;
  /**
   * Stores part `partNumber` (1..10000), replacing an earlier upload of the same number. `size`, when
   * a stream's length is known, lets S3 stream it straight through instead of spooling it to disk.
   */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Buffer,
    options?: { signal?: AbortSignal; size?: number },
  ): Promise<{ size: number; etag: string }>;
  /** Parts present so far, with their sizes (needed to validate completion). */
  listParts(
    key: string,
    uploadId: string,
  ): Promise<Array<{ partNumber: number; size: number; etag: string }>>;
  /** Assembles parts 1..n in order into `key`; atomic like put(). */
  completeMultipart(key: string, uploadId: string, partNumbers: number[]): Promise<BlobInfo>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/**
 * Reads a blob whole when it is small, in one go: one open, one fstat and one sized read on disk
 * (no stat before the open), one GET on S3 (no HEAD before it). Delivery and the variant cache use it.
 */
export interface SmallReadCapable {
  /** null when absent; `data` only when the blob is at most `maxBytes` long. */
  readSmall(key: string, maxBytes: number): Promise<SmallRead | null>;
}

export interface SmallRead {
  info: BlobInfo;
  data?: Buffer;
}

export function canReadSmall(store: BlobStore): store is BlobStore & SmallReadCapable {
  return typeof (store as Partial<SmallReadCapable>).readSmall === 'function';
}

/** URLs a client can use to talk to the store directly, bypassing Kiln (S3). */
export interface PresignCapable {
  presignPartUpload(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
  ): Promise<string>;
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

export function isMultipartCapable(store: BlobStore): store is BlobStore & MultipartCapable {
  return typeof (store as Partial<MultipartCapable>).createMultipart === 'function';
}

export function isPresignCapable(store: BlobStore): store is BlobStore & PresignCapable {
  return typeof (store as Partial<PresignCapable>).presignPartUpload === 'function';
}

/**
 * Removes what interrupted writes leave behind (S3 multipart uploads left open by a process that
 * died mid-upload, temp files and part directories on disk) once they are older than `olderThan`.
 * Returns how many were removed. The orphan sweep job calls it with a safety age that in-flight
 * uploads never reach.
 */
export interface StaleUploadsCapable {
  removeStaleUploads(olderThan: Date): Promise<number>;
}

export function canRemoveStaleUploads(store: BlobStore): store is BlobStore & StaleUploadsCapable {
  return typeof (store as Partial<StaleUploadsCapable>).removeStaleUploads === 'function';
}
