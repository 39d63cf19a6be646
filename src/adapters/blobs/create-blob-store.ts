import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlobStore } from '../../core/blobs/blob-store.js';
import { normalizePrefix } from './blob-key.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';

/**
 * Opens the blob store that KILN_STORAGE_URL names:
 * - none: the local disk under `<dataDir>/blobs`;
 * - `file:///abs/path`: the local disk there;
 * - `s3://bucket/optional/prefix?endpoint=http://host:9000&region=us-east-1&forcePathStyle=true`:
 *   an S3-compatible bucket. Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID and
 *   AWS_SECRET_ACCESS_KEY, profiles, instance roles) unless the URL carries both `accessKeyId` and
 *   `secretAccessKey` query parameters (handy for tests and closed networks; keep such URLs secret).
 *   forcePathStyle defaults to true when an endpoint is given.
 */
export async function createBlobStore(options: { storageUrl?: string; dataDir: string }): Promise<BlobStore> {
  if (!options.storageUrl) return new FsBlobStore(join(options.dataDir, 'blobs')).init();
  const url = parseStorageUrl(options.storageUrl);
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    if (!isAbsolute(path)) throw invalid('a file:// URL needs an absolute path');
    return new FsBlobStore(path).init();
  }
  return new S3BlobStore(s3OptionsFromUrl(url));
}

export function s3OptionsFromUrl(url: URL): S3BlobStoreOptions {
  const bucket = decodeURIComponent(url.hostname);
  if (!bucket) throw invalid('an s3:// URL needs a bucket: s3://bucket/prefix');
  const q = url.searchParams;
  const endpoint = q.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw invalid('endpoint must be an http(s) URL');
  }
  const forcePathStyle = q.get('forcePathStyle');
  if (forcePathStyle !== null && forcePathStyle !== 'true' && forcePathStyle !== 'false') {
    throw invalid('forcePathStyle must be true or false');
  }
  const accessKeyId = q.get('accessKeyId');
  const secretAccessKey = q.get('secretAccessKey');
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw invalid('accessKeyId and secretAccessKey must be given together');
  }
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  try {
    if (prefix) normalizePrefix(prefix);
  } catch {
    throw invalid(`the prefix "${prefix}" is not a valid key prefix`);
  }
  return {
    bucket,
    prefix: prefix || undefined,
    endpoint,
    region: q.get('region') ?? undefined,
    forcePathStyle: forcePathStyle === null ? undefined : forcePathStyle === 'true',
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

function parseStorageUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('not a URL');
  }
  if (url.protocol !== 'file:' && url.protocol !== 's3:') throw invalid('must start with s3:// or file://');
  return url;
}

function invalid(reason: string): Error {
  return new Error(`Invalid value for KILN_STORAGE_URL: ${reason}`);
}
