import { IncomingMessage } from 'node:http';
import { finished, type Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { KilnError } from '../errors/kiln-error.js';
import { IngestMeter, SNIFF_HEAD_BYTES } from './ingest-meter.js';
import { sniffContentType } from './sniff-content-type.js';

export interface IngestOptions {
  /** Largest accepted body; one byte more fails with payload_too_large (details.limit). */
  maxBytes: number;
  signal?: AbortSignal;
  /** The type the client declared; used when the bytes have no recognisable signature. */
  contentType?: string;
  /** How many of the first bytes to keep in `head` (default SNIFF_HEAD_BYTES). */
  keepBytes?: number;
}

export interface IngestResult {
  key: string;
  size: number;
  /** sha256 of the body, hex. */
  sha256: string;
  /** The first bytes of the body (up to `keepBytes`, default 4100), for further sniffing. */
  head: Buffer;
  contentType: string;
  extension?: string;
}

/**
 * Streams `body` into `store` under `key` while hashing, counting and keeping its head; never holds
 * more than a few chunks in memory. On any failure nothing is left: the store's put() is atomic,
 * and we make sure it sees the failure as an error of its body stream.
 *
 * What happens to `body` when we stop early (limit, store failure, abort): an HTTP request body is
 * unpiped and drained (resume), because destroying a request destroys its socket and the client
 * would never see the error response; any other stream is destroyed. With `Connection: close` on
 * that response Node resets the socket right after it, and a client still sending may see the reset
 * instead of the answer: the HTTP layer should answer first and cut a client that keeps sending off
 * later (a bounded lingering close), as nginx does.
 *
 * Errors: payload_too_large when the limit trips; invalid_input (details.reason 'body_interrupted')
 * when the source fails or ends prematurely (client disconnect); the signal's reason when aborted;
 * otherwise the store's own error.
 */
export async function ingestStream(
  store: BlobStore,
  key: string,
  body: Readable,
  options: IngestOptions,
): Promise<IngestResult> {
  const { maxBytes, signal } = options;
  signal?.throwIfAborted();
  const meter = new IngestMeter(maxBytes, options.keepBytes);
  // The meter's errors surface through store.put or `sourceError`; but a source failing after the
  // store stopped listening (a cut multipart part: busboy errors the file stream late) would reach
  // pipe()'s re-throwing handler with no listener left and crash the process.
  meter.on('error', () => {});

  // A failure of the source itself (not one we caused by abandoning it) is forwarded into the meter.
  let sourceError: unknown = null;
  const stopWatchingSource = finished(body, (err) => {
    if (err && !meter.destroyed) {
      sourceError = err;
      meter.destroy(err);
    }
  });
  let abandoned = false;
  let destroyedByUs = false;
  const release = () => {
    if (abandoned || body.readableEnded) return;
    abandoned = true;
    destroyedByUs = abandon(body, meter);
  };
  // Whether the source died on its own (client gone) rather than by our release(): finished() may
  // report that after the store has already rejected on the meter's premature close.
  const sourceDied = () => sourceError !== null || (body.destroyed && !body.readableEnded && !destroyedByUs);
  meter.once('close', release);
  const onAbort = () => meter.destroy(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  body.pipe(meter);
  try {
    await store.put(key, meter, { contentType: options.contentType, signal });
  } catch (err) {
    const interrupted = sourceDied();
    // The store may have given up without consuming (bad key, backend down): release the source now.
    if (!meter.destroyed) meter.destroy();
    release();
    if (meter.limitError) throw meter.limitError;
    if (signal?.aborted) throw signal.reason;
    if (interrupted) {
      throw new KilnError('invalid_input', 'The upload body ended before it was complete', {
        cause: sourceError,
        details: { reason: 'body_interrupted' },
      });
    }
    throw err;
  } finally {
    stopWatchingSource();
    signal?.removeEventListener('abort', onAbort);
  }

  const head = meter.head();
  const sniffed = await sniffContentType(head.subarray(0, SNIFF_HEAD_BYTES), options.contentType);
  return { key, size: meter.size, sha256: meter.digest(), head, ...sniffed };
}

/** Lets go of the source; true when that destroyed it (it was still alive). */
function abandon(body: Readable, meter: IngestMeter): boolean {
  body.unpipe(meter);
  if (body.destroyed) return false;
  if (body instanceof IncomingMessage) {
    // Destroying a request destroys its socket; draining keeps it open for our error response.
    body.resume();
    return false;
  }
  body.destroy();
  return true;
}
