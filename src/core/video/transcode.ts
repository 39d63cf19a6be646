import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultFfmpegTools, type FfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { KilnError } from '../errors/kiln-error.js';
import { makeScratchDir } from '../media/scratch-space.js';
import { buildLadder, type Rung } from './ladder.js';
import { inputArgs } from './media-formats.js';
import { overlayGraph, type VideoOverlay } from './overlay-filter.js';
import { type MediaProbe, notMedia, probeMedia } from './probe.js';

/**
 * Transcodes a source into an adaptive ladder with ONE ffmpeg process: a single decode feeds
 * every rendition (filter_complex split + scale), encoded as H.264 (+ AAC when the source has
 * audio), and packaged by ffmpeg's `dash` muxer with `hls_playlist`, so the HLS and DASH
 * manifests point at the very same fMP4 (CMAF-style) segments. Works as is with ffmpeg 5.1.
 *
 * Output layout (all URLs inside manifests are relative, so any blob prefix works):
 *   <dir>/manifest/video.m3u8               HLS master: one EXT-X-STREAM-INF per rung (+ audio group)
 *   <dir>/manifest/video.mpd                DASH MPD: one Representation per rung (+ audio)
 *   <dir>/manifest/media_<n>.m3u8           HLS media playlist of representation n
 *   <dir>/manifest/init-<n>.m4s             fMP4 init segment of representation n
 *   <dir>/manifest/chunk-<n>-<00001>.m4s    media segments (SEGMENT_SECONDS each)
 * Representations 0..k-1 are the video rungs in ladder order (lowest first); k is audio, if any.
 *
 * Rotated sources come out upright at their display size: ffmpeg's autorotate applies the display
 * matrix before the split, and the ladder is computed from the display dimensions.
 */
export const SEGMENT_SECONDS = 2;
export const AUDIO_BITRATE = 128_000;
export const HLS_MASTER = 'manifest/video.m3u8';
export const DASH_MANIFEST = 'manifest/video.mpd';

export interface TranscodeOptions {
  tools?: FfmpegTools;
  /** Probe result of the input, if already known (saves one ffprobe run). */
  probe?: MediaProbe;
  /** Override the ladder (default: buildLadder(probe)). */
  rungs?: Rung[];
  /** Called with 0..1 as ffmpeg advances (Cloudflare's pctComplete). */
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg and removes the output directory. */
  signal?: AbortSignal;
  /** Default: 2 minutes plus 10x the duration. */
  timeoutMs?: number;
  /** Parent of the temporary output directory (a job's scratch dir); default a new scratch dir. */
  tempRoot?: string;
  /** x264 preset; default veryfast. */
  preset?: string;
  /** An image laid over the decoded frames before the split, so every rendition carries it. */
  overlay?: VideoOverlay;
}

export interface TranscodeResult {
  /** Temporary directory holding the layout above; the caller uploads it, then calls dispose(). */
  dir: string;
  hlsManifest: typeof HLS_MASTER;
  dashManifest: typeof DASH_MANIFEST;
  renditions: Rung[];
  hasAudio: boolean;
  durationSeconds: number;
  source: MediaProbe;
  dispose(): Promise<void>;
}

export async function transcode(input: string, options: TranscodeOptions = {}): Promise<TranscodeResult> {
  const tools = options.tools ?? (await defaultFfmpegTools());
  const source = options.probe ?? (await probeMedia(input, { tools, signal: options.signal }));
  if (!source.hasVideo || source.videoStreamIndex === undefined) {
    throw notMedia('The file is not a valid video file: it has no video stream', 'non_video');
  }
  const rungs = options.rungs ?? buildLadder(source);
  const dir = await makeScratchDir('kiln-transcode', options.tempRoot);
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await mkdir(join(dir, 'manifest'));
    const args = ladderArgs(input, source, rungs, options.preset ?? 'veryfast', options.overlay);
    let reachedSeconds = 0;
    await runTool(tools.ffmpeg, [...args, join(dir, DASH_MANIFEST)], {
      name: 'ffmpeg',
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 120_000 + source.durationSeconds * 10_000,
      access: { read: [input, ...(options.overlay ? [options.overlay.path] : [])], write: [dir] },
      progress: {
        durationSeconds: source.durationSeconds,
        onProgress: (fraction, outSeconds) => {
          reachedSeconds = Math.max(reachedSeconds, outSeconds);
          options.onProgress?.(fraction);
        },
      },
    });
    assertComplete(reachedSeconds, source.durationSeconds);
    for (const file of [HLS_MASTER, DASH_MANIFEST]) {
      await access(join(dir, file)).catch(() => {
        throw new KilnError('processing_failed', `ffmpeg finished without writing ${file}`);
      });
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    dir,
    hlsManifest: HLS_MASTER,
    dashManifest: DASH_MANIFEST,
    renditions: rungs,
    hasAudio: source.hasAudio,
    durationSeconds: source.durationSeconds,
    source,
    dispose,
  };
}

/**
 * ffmpeg shrugs off a file cut short after a valid header (a partial upload with the index up
 * front): it decodes what is there and exits 0. A stream that stops well before its declared
 * duration is a malformed file, not a short video.
 */
function assertComplete(reachedSeconds: number, declaredSeconds: number): void {
  if (declaredSeconds > 1 && reachedSeconds < declaredSeconds * 0.9 - 0.5) {
    throw notMedia(
      `The video file is truncated or corrupt: only ${reachedSeconds.toFixed(1)} s of ${declaredSeconds.toFixed(1)} s could be decoded`,
      'malformed',
    );
  }
}

/**
 * The complete ffmpeg argument list (minus the output path) for one ladder. Exported so that
 * bench/video.ts can run the very same command as a plain ffmpeg baseline.
 */
export function ladderArgs(
  input: string,
  source: MediaProbe,
  rungs: readonly Rung[],
  preset: string,
  overlay?: VideoOverlay,
): string[] {
  const fps = source.fps > 0 && source.fps <= 120 ? source.fps : 30;
  const gop = Math.max(1, Math.round(fps * SEGMENT_SECONDS));
  const labels = rungs.map((_, i) => `s${i}`);
  const decoded = `0:${source.videoStreamIndex}`;
  const overlaid = overlay ? overlayGraph(overlay, decoded, 1, 'ov', source.width, source.height) : null;
  const graph = [
    ...(overlaid ? [overlaid] : []),
    `[${overlaid ? 'ov' : decoded}]split=${rungs.length}${labels.map((l) => `[${l}]`).join('')}`,
    ...rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height},format=yuv420p[v${i}]`),
  ].join(';');

  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', '-y'];
  args.push(...inputArgs(input, source.demuxer));
  if (overlay) args.push(...inputArgs(overlay.path, 'png_pipe'));
  args.push('-filter_complex', graph);
  rungs.forEach((r, i) => {
    args.push('-map', `[v${i}]`, `-b:v:${i}`, `${r.videoBitrate}`, `-maxrate:v:${i}`, `${r.maxBitrate}`);
    args.push(`-bufsize:v:${i}`, `${r.bufferSize}`);
  });
  args.push('-c:v', 'libx264', '-preset', preset, '-profile:v', 'high');
  args.push('-g', `${gop}`, '-keyint_min', `${gop}`, '-sc_threshold', '0');
  args.push('-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`);
  if (source.hasAudio && source.audioStreamIndex !== undefined) {
    args.push('-map', `0:${source.audioStreamIndex}`, '-c:a', 'aac', '-b:a', `${AUDIO_BITRATE}`, '-ac', '2');
  }
  args.push('-map_metadata', '-1', '-f', 'dash', '-seg_duration', `${SEGMENT_SECONDS}`);
  args.push('-use_template', '1', '-use_timeline', '1', '-streaming', '0');
  args.push('-adaptation_sets', source.hasAudio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v');
  args.push('-init_seg_name', 'init-$RepresentationID$.m4s');
  args.push('-media_seg_name', 'chunk-$RepresentationID$-$Number%05d$.m4s');
  args.push('-hls_playlist', '1', '-hls_master_name', 'video.m3u8');
  return args;
}
