import { join } from 'node:path';

export const HLS_DIR = 'hls';
export const LIVE_PLAYLIST = 'video.m3u8';

/** What one broadcast is packaged into (copy, no re-encoding). */
export interface PackagingSpec {
  /** Work directory of this broadcast: hls/ (live playlist + segments; the recording keeps them). */
  dir: string;
  /** Segment length of the live HLS (keyframe-aligned: segments cut at the next keyframe). */
  segmentSeconds: number;
  /** Full RTMP URLs to restream to (failures there never stop the ingest: tee onfail=ignore). */
  restream: string[];
}

/**
 * The output half of a live ffmpeg command: the tee muxer copies the stream into a sliding live
 * HLS playlist (whose segments the recording keeps: live-hls-sync) and every restream output.
 */
export function packagingArgs(spec: PackagingSpec): string[] {
  const hls = join(spec.dir, HLS_DIR);
  const slaves = [
    `[f=hls:hls_time=${spec.segmentSeconds}:hls_list_size=6:hls_flags=delete_segments+independent_segments` +
      `:hls_segment_filename=${join(hls, 'seg-%05d.ts')}]${join(hls, LIVE_PLAYLIST)}`,
  ];
  for (const target of spec.restream) slaves.push(`[f=flv:onfail=ignore]${target}`);
  return ['-map', '0', '-c', 'copy', '-f', 'tee', slaves.join('|')];
}
