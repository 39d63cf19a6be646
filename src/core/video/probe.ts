import { stat } from 'node:fs/promises';
import { defaultFfmpegTools, type FfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../adapters/ffmpeg/run-tool.js';
import { KilnError } from '../errors/kiln-error.js';
import { allowedDemuxer, formatWhitelist, type MediaUse } from './media-formats.js';

/** What Kiln needs to know about a media file before processing it (from ffprobe's JSON). */
export interface MediaProbe {
  durationSeconds: number;
  /** Display dimensions: width corrected for non-square pixels, then swapped for a 90/270 rotation. */
  width: number;
  height: number;
  /** Rotation of the coded picture from the display matrix (or `rotate` tag): 0, 90, 180 or 270. */
  rotation: number;
  fps: number;
  videoCodec?: string;
  audioCodec?: string;
  hasVideo: boolean;
  hasAudio: boolean;
  /** ffprobe stream indexes, for `-map 0:<index>`. */
  videoStreamIndex?: number;
  audioStreamIndex?: number;
  sizeBytes: number;
  formatName: string;
  /** The allowed ffmpeg demuxer of the file (media-formats.ts); every later run forces it with `-f`. */
  demuxer: string;
  /** Overall bits per second; 0 when unknown. */
  bitrate: number;
}

export interface ProbeOptions {
  tools?: FfmpegTools;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Which containers are allowed (media-formats.ts); default `av` (any audio or video upload). */
  use?: MediaUse;
}

/** Why a file cannot be processed; maps to Cloudflare's errorReasonCode in the dialect. */
export type MediaRejection = 'non_video' | 'malformed';

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  sample_aspect_ratio?: string;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; size?: string };
}

export async function probeMedia(path: string, options: ProbeOptions = {}): Promise<MediaProbe> {
  const tools = options.tools ?? (await defaultFfmpegTools());
  const sizeBytes = (await stat(path)).size;
  const use = options.use ?? 'av';
  let json: FfprobeOutput;
  try {
    // Only allowed demuxers may even be chosen (a playlist fails here with "Format not on
    // whitelist"), only local files opened, and the sandbox shows ffprobe this one file.
    const { stdout } = await runTool(
      tools.ffprobe,
      ['-v', 'error', '-protocol_whitelist', 'file', '-format_whitelist', formatWhitelist(use)].concat([
        '-print_format',
        'json',
        '-show_format',
        '-show_streams',
        '-i',
        path,
      ]),
      {
        name: 'ffprobe',
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? 60_000,
        access: { read: [path] },
      },
    );
    json = JSON.parse(stdout.toString('utf8')) as FfprobeOutput;
  } catch (err) {
    if (err instanceof KilnError && err.details.reason === 'exit_code') {
      throw notMedia(
        `The file is not a valid video file (${err.message.replace(/^ffprobe exited with code \d+: /, '')})`,
        'malformed',
        err,
      );
    }
    if (err instanceof KilnError && err.details.reason === 'crashed' && tools.source.ffprobe === 'npm') {
      throw new KilnError(
        'processing_failed',
        `${err.message}; the npm static ffprobe build crashes on some inputs (MPEG-TS): install Debian's ffmpeg or set KILN_FFPROBE`,
        { details: err.details, cause: err },
      );
    }
    throw err; // crash, timeout, abort: not the file's fault as far as we know
  }
  const demuxer = allowedDemuxer(json.format?.format_name ?? '', use);
  if (demuxer === undefined) {
    throw notMedia(
      `The file is not a valid video file: ${json.format?.format_name ?? 'unknown'} is not an accepted container`,
      'malformed',
    );
  }
  return interpret(json, sizeBytes, demuxer);
}

function interpret(json: FfprobeOutput, sizeBytes: number, demuxer: string): MediaProbe {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio)
    throw notMedia('The file is not a valid video file: it has no video or audio stream', 'non_video');

  const durationSeconds = firstPositive(json.format?.duration, video?.duration, audio?.duration);
  const rotation = video ? rotationOf(video) : 0;
  // Anamorphic sources (non-square pixels, e.g. DVD) display wider than they are coded.
  const codedWidth = Math.round((video?.width ?? 0) * (video ? pixelAspect(video) : 1));
  const codedHeight = video?.height ?? 0;
  const swap = rotation === 90 || rotation === 270;
  return {
    durationSeconds,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    rotation,
    fps: video ? frameRate(video) : 0,
    videoCodec: video?.codec_name,
    audioCodec: audio?.codec_name,
    hasVideo: video !== undefined && codedWidth > 0 && codedHeight > 0,
    hasAudio: audio !== undefined,
    videoStreamIndex: video?.index,
    audioStreamIndex: audio?.index,
    sizeBytes,
    formatName: json.format?.format_name ?? 'unknown',
    demuxer,
    bitrate: Number(json.format?.bit_rate) || 0,
  };
}

/** Display matrix side data or the legacy `rotate` tag; the sign differs between ffprobe versions, the axis swap does not. */
function rotationOf(stream: FfprobeStream): number {
  const side = stream.side_data_list?.find((d) => typeof d.rotation === 'number');
  const degrees = side?.rotation ?? Number(stream.tags?.rotate ?? 0);
  if (!Number.isFinite(degrees)) return 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

function pixelAspect(stream: FfprobeStream): number {
  const [num, den] = (stream.sample_aspect_ratio ?? '').split(':').map(Number);
  return num && den && num / den > 0.1 && num / den < 10 ? num / den : 1;
}

function frameRate(stream: FfprobeStream): number {
  for (const rate of [stream.avg_frame_rate, stream.r_frame_rate]) {
    const [num, den] = (rate ?? '').split('/').map(Number);
    if (num && den && Number.isFinite(num / den)) return Math.round((num / den) * 1000) / 1000;
  }
  return 0;
}

function firstPositive(...values: Array<string | undefined>): number {
  for (const v of values) {
    const n = Number(v);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return 0;
}

export function notMedia(message: string, rejection: MediaRejection, cause?: unknown): KilnError {
  return new KilnError('processing_failed', message, { details: { rejection }, cause });
}
