import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/blob-store.js';
import { LIVE_MPD } from './live-packaging.js';

const MPD = 'application/dash+xml';
const M4S = 'video/iso.segment';

/**
 * Mirrors a growing live DASH directory into the blob store. ffmpeg's DASH muxer writes each
 * segment (and the manifest) under a `.tmp` name and renames it when complete, so every `.m4s`
 * present is whole: the manifest is read first, then every new segment uploaded, then the manifest
 * (which names only segments complete before it). Segments ffmpeg removed (beyond its extra
 * window, which no manifest still names) are deleted from the store too.
 */
export class LiveDashSync {
  private readonly uploaded = new Set<string>();
  private lastManifest = '';
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly blobs: BlobStore,
    private readonly dir: string,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.pass()).catch(this.onError);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops syncing; the live blobs go with the live HLS ones (the same prefix). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => {});
  }

  private async pass(): Promise<void> {
    const manifest = await readFile(join(this.dir, LIVE_MPD), 'utf8').catch(() => null);
    if (manifest === null || manifest === this.lastManifest) return;
    const present = new Set((await readdir(this.dir)).filter((n) => /^[A-Za-z0-9_.-]+\.m4s$/.test(n)));
    for (const name of present) {
      if (this.uploaded.has(name)) continue;
      await this.blobs.put(this.prefix + name, await readFile(join(this.dir, name)), { contentType: M4S });
      this.uploaded.add(name);
    }
    await this.blobs.put(this.prefix + LIVE_MPD, Buffer.from(manifest), { contentType: MPD });
    this.lastManifest = manifest;
    for (const name of this.uploaded) {
      if (present.has(name) || name.startsWith('init-')) continue;
      await this.blobs.delete(this.prefix + name);
      this.uploaded.delete(name);
    }
  }
}
