import type { Readable } from 'node:stream';
import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';
import { type ImageLimits, inspectImage } from '../images/image-guard.js';
import { readSource } from '../images/read-source.js';
import type { SourceMeta } from '../images/source-meta.js';
import { ingestStream } from './ingest-stream.js';

export interface IngestedImage {
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  meta: SourceMeta;
}

/**
 * Streams an upload into `key`, then proves it is an image Kiln can process (the image guard reads
 * the header: pixel, frame and SVG rules) before anyone records it. Anything else is removed again
 * and refused with unsupported_media_type (or the guard's limit error), so no half-checked image is
 * ever visible. Callers write their rows after this returns, and delete `key` if that fails.
 */
export async function ingestImage(
  store: BlobStore,
  key: string,
  body: Readable,
  options: { maxBytes: number; limits: ImageLimits; declaredType?: string; signal?: AbortSignal },
): Promise<IngestedImage> {
  const result = await ingestStream(store, key, body, {
    maxBytes: options.maxBytes,
    signal: options.signal,
    contentType: options.declaredType,
  });
  try {
    if (result.size === 0) throw new KilnError('invalid_input', 'The uploaded file is empty');
    if (!result.contentType.startsWith('image/')) {
      throw new KilnError(
        'unsupported_media_type',
        `The uploaded file is not an image (${result.contentType})`,
        {
          details: { reason: 'not_an_image' },
        },
      );
    }
    const meta = await inspectImage(await readSource(store, key, options.maxBytes), options.limits);
    return { key, size: result.size, sha256: result.sha256, contentType: result.contentType, meta };
  } catch (err) {
    await store.delete(key).catch(() => {});
    throw err;
  }
}
