import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import type { Asset } from '../assets/asset.js';
import { sniffContentType } from '../ingest/sniff-content-type.js';
import { uploadAsset } from '../ingest/upload-asset.js';
import { describeMediaFile, factsDimensions } from './describe-media.js';

export interface LocalFileUpload {
  accountId: string;
  path: string;
  source: string;
  originalName: string | null;
  declaredType?: string;
  metadata?: Record<string, unknown>;
  stored: boolean;
  expiresAt: string | null;
  extra?: Record<string, unknown>;
  maxBytes: number;
}

/**
 * Ingests a file already spooled to local disk (a form part, a URL download): sniffs its type,
 * reads its media facts while it is still local (sharp, ffprobe), then streams it into the store.
 * The row appears once, complete, with the facts in `extra.media` and dimensions filled in.
 */
export async function uploadLocalFile(
  runtime: Pick<KilnRuntime, 'blobs' | 'assets'>,
  input: LocalFileUpload,
): Promise<Asset> {
  const head = await readHead(input.path);
  const { contentType } = await sniffContentType(head, input.declaredType);
  const media = await describeMediaFile(input.path, contentType);
  const asset = await uploadAsset(runtime, {
    accountId: input.accountId,
    body: createReadStream(input.path),
    maxBytes: input.maxBytes,
    source: input.source,
    declaredType: contentType,
    originalName: input.originalName,
    metadata: input.metadata,
    stored: input.stored,
    expiresAt: input.expiresAt,
    status: 'processing',
    extra: { ...input.extra, media },
  });
  return runtime.assets.update(asset.accountId, asset.id, { ...factsDimensions(media), status: 'ready' });
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4100);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
