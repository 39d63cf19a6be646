import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/blob-store.js';
import { LIVE_PLAYLIST } from './live-packaging.js';

const TS = 'video/mp2t';
const M3U8 = 'application/vnd.apple.mpegurl';

/**
 * Mirrors a growing live HLS directory into the blob store, so any API node can serve it (and, when
 * recording, keeps every segment for the recording too, so it outlives this node): segments
 * listed in the playlist (complete by then) are uploaded first, then the playlist. Segments that
 * slid out of the playlist are deleted one pass later, so a player holding the previous playlist
 * can still fetch them.
 */
export class LiveHlsSync {
  private readonly uploaded = new Set<string>();
  private previous = new Set<string>();
  private retired: string[] = [];
  private lastPlaylist = '';
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly blobs: BlobStore,
    private readonly dir: string,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
    /** Where each segment is also kept for the recording (its key from the segment's name); none: not recorded. */
    private readonly recordKey: ((segment: string) => string) | null = null,
  ) {}

  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.pass()).catch(this.onError);
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * Stops syncing after a last pass (ffmpeg has written its final playlist: the recording gets the
   * last segment) and removes the live blobs (the broadcast is over: no live playlist left).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => {});
    await this.pass().catch(this.onError);
    await this.blobs.deletePrefix(this.prefix);
  }

  private async pass(): Promise<void> {
    const playlist = await readFile(join(this.dir, LIVE_PLAYLIST), 'utf8').catch(() => null);
    if (playlist === null || playlist === this.lastPlaylist) return;
    const segments = playlist.split('\n').filter((l) => l.endsWith('.ts') && !l.startsWith('#'));
    for (const name of segments) {
      if (this.uploaded.has(name) || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
      const bytes = await readFile(join(this.dir, name));
      if (this.recordKey) await this.blobs.put(this.recordKey(name), bytes, { contentType: TS });
      await this.blobs.put(this.prefix + name, bytes, { contentType: TS });
      this.uploaded.add(name);
    }
    await this.blobs.put(this.prefix + LIVE_PLAYLIST, Buffer.from(playlist), { contentType: M3U8 });
    this.lastPlaylist = playlist;
    const current = new Set(segments);
    for (const name of this.retired) {
      await this.blobs.delete(this.prefix + name);
      this.uploaded.delete(name);
    }
    this.retired = [...this.previous].filter((n) => !current.has(n));
    this.previous = current;
  }
}
