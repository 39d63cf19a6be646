import type { Asset } from '../assets/asset.js';
import { streamFacts } from './video-facts.js';
import type { StreamTusUploads } from './video-tus-uploads.js';
import { ingestVideoBytes, type StreamDeps } from './videos.js';

/**
 * The completion of a Stream tus upload, one call into the ingest path: the chunks, joined in
 * order, go through the ingest service into the video's original (limits, hash, sniff, the one
 * row write), the processing job is queued, then the chunks are dropped. A refusal by an account
 * limit removes the chunks too, so nothing is left behind; any other failure keeps them for a retry.
 */
export async function finishStreamTusUpload(
  deps: StreamDeps,
  store: Pick<StreamTusUploads, 'assembled' | 'dropChunks'>,
  asset: Asset,
  options: { maxBytes: number },
): Promise<Asset> {
  const name = typeof asset.metadata.name === 'string' ? asset.metadata.name : null;
  try {
    const video = await ingestVideoBytes(deps, asset, await store.assembled(asset), {
      maxBytes: options.maxBytes,
      name,
      declaredSize: streamFacts(asset).uploadLength ?? undefined,
    });
    await store.dropChunks(asset);
    return video;
  } catch (err) {
    if ((err as { details?: { accountLimit?: string } }).details?.accountLimit) {
      await store.dropChunks(asset).catch(() => {});
      await deps.assets.softDelete(asset.accountId, asset.id).catch(() => {});
    }
    throw err;
  }
}
