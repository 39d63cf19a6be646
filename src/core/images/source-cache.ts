/**
 * Recently read source images, in memory, bounded by total bytes (LRU). A page asks for several
 * variants of one image at once (srcset widths times AVIF/WebP/JPEG), so the misses after the first
 * skip the blob read: on disk that read costs about a tenth of a 512 px JPEG render here (bench/images),
 * on S3 a round trip. Keys carry the source etag, so changed bytes are never served from here.
 */
export class SourceCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  /** `maxBytes` 0 disables the cache; one entry may take at most a quarter of it. */
  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  get(id: string): Buffer | undefined {
    const hit = this.entries.get(id);
    if (hit) {
      // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
    }
    return hit;
  }

  set(id: string, data: Buffer): void {
    if (data.length > this.maxBytes / 4) return;
    this.delete(id);
    this.entries.set(id, data);
    this.bytes += data.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.length;
    }
  }

  delete(id: string): void {
    const old = this.entries.get(id);
    if (!old) return;
    this.entries.delete(id);
    this.bytes -= old.length;
  }
}
