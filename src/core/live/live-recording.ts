import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import type { Asset } from '../assets/asset.js';
import { deleteAsset } from '../assets/delete-asset.js';
import { createStreamVideo, ingestVideoBytes, updateFacts } from '../stream/stream-videos.js';
import type { LiveInput } from './live-inputs.js';

const DAY_MS = 86_400_000;
/** Cloudflare's per-video size limit applies to recordings too. */
const MAX_RECORDING_BYTES = 30 * 1024 ** 3;

/**
 * The recording of a live input in `recording.mode: automatic`: a video in `live-inprogress`
 * from the first connection; each broadcast adds its recorded part (MPEG-TS, stream copy).
 * A reconnect within `timeoutSeconds` continues the same video; then the parts are joined
 * (ffmpeg concat demuxer) and the file goes through the normal processing job.
 */
export class LiveRecording {
  private readonly parts: string[] = [];

  private constructor(
    readonly video: Asset,
    private readonly ffmpeg: string,
  ) {}

  static async begin(runtime: KilnRuntime, input: LiveInput, ffmpeg: string): Promise<LiveRecording> {
    const s = input.settings;
    const video = await createStreamVideo(runtime, {
      accountId: input.accountId,
      state: 'live-inprogress',
      uploadKind: 'api',
      meta: { ...s.meta },
      creator: s.defaultCreator,
      requireSignedURLs: s.recording.requireSignedURLs,
      allowedOrigins: s.recording.allowedOrigins ?? [],
      liveInput: input.id,
    });
    return new LiveRecording(video, ffmpeg);
  }

  addPart(path: string): void {
    this.parts.push(path);
  }

  /** Joins the parts and hands the file to processing; the video ends `queued` (or is deleted if empty). */
  async finish(runtime: KilnRuntime, input: LiveInput): Promise<Asset | null> {
    const work = this.parts.length > 0 ? dirname(this.parts[0]!) : null;
    try {
      let video = (await runtime.assets.find(this.video.accountId, this.video.id)) ?? null;
      if (!video) return null; // deleted while live
      if (this.parts.length === 0) {
        await deleteAsset(runtime, video.accountId, video.id);
        return null;
      }
      const file = this.parts.length === 1 ? this.parts[0]! : await this.join(work!);
      const days = input.settings.deleteRecordingAfterDays;
      if (days !== null) {
        const at = new Date(Date.now() + days * DAY_MS).toISOString();
        video = await updateFacts(runtime.assets, video, { scheduledDeletion: at }, { expiresAt: at });
      }
      return await ingestVideoBytes(runtime, video, createReadStream(file), {
        maxBytes: MAX_RECORDING_BYTES,
      });
    } finally {
      for (const part of this.parts) await rm(dirname(part), { recursive: true, force: true });
    }
  }

  private async join(work: string): Promise<string> {
    const list = join(work, 'parts.txt');
    await writeFile(list, this.parts.map((p) => `file '${p.replace(/'/g, "'\\''")}'\n`).join(''));
    const out = join(work, 'joined.ts');
    await runTool(
      this.ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-y',
        // Kiln's own list of its own MPEG-TS recordings: nothing else may be opened through it.
        ...['-protocol_whitelist', 'file', '-format_whitelist', 'concat,mpegts'],
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-map',
        '0',
        '-c',
        'copy',
        '-f',
        'mpegts',
        out,
      ],
      { name: 'ffmpeg', timeoutMs: 600_000, access: { read: this.parts, write: [work] } },
    );
    return out;
  }
}
