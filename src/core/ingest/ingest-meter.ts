import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { errors, type KilnError } from '../errors/kiln-error.js';

/** Bytes kept from the start of a body for content sniffing (file-type reads at most this many). */
export const SNIFF_HEAD_BYTES = 4100;

/**
 * A pass-through that hashes (sha256), counts and keeps the first SNIFF_HEAD_BYTES of what flows
 * through it, and fails with payload_too_large the moment the count passes `maxBytes`: the
 * offending chunk is never pushed, so a store never receives more than the limit.
 */
export class IngestMeter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  /** Bytes passed through so far. */
  size = 0;
  /** Set when the limit tripped, so callers can tell it apart from errors it caused downstream. */
  limitError: KilnError | null = null;

  /** `keepBytes`: how much of the start to keep (more than the sniffing head for an image check). */
  constructor(
    private readonly maxBytes: number,
    private readonly keepBytes = SNIFF_HEAD_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const size = this.size + chunk.length;
    if (size > this.maxBytes) {
      this.limitError = errors.tooLarge(this.maxBytes);
      callback(this.limitError);
      return;
    }
    this.size = size;
    this.hash.update(chunk);
    if (this.headLength < this.keepBytes) {
      const part = chunk.subarray(0, this.keepBytes - this.headLength);
      // Copy: the source may reuse its buffers (and a slice would pin a large chunk in memory).
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    callback(null, chunk);
  }

  /** The sha256 of everything passed through, as hex. Call once, after the stream has ended. */
  digest(): string {
    return this.hash.digest('hex');
  }

  head(): Buffer {
    return Buffer.concat(this.headChunks, this.headLength);
  }
}
