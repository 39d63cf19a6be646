import { join } from 'node:path';

export const HLS_DIR = 'hls';
export const LIVE_PLAYLIST = 'video.m3u8';
export const DASH_DIR = 'dash';
export const LIVE_MPD = 'video.mpd';

/** What one broadcast is packaged into (copy, no re-encoding). */
export interface PackagingSpec {
  /** Work directory of this broadcast: hls/ (live playlist + segments; the recording keeps them) and dash/. */
  dir: string;
  /** Segment length of the live HLS (keyframe-aligned: segments cut at the next keyframe). */
  segmentSeconds: number;
  /** Full RTMP URLs to restream to (failures there never stop the ingest: tee onfail=ignore). */
  restream: string[];
}

/**
 * The output half of a live ffmpeg command: the tee muxer copies the stream into a sliding live
 * HLS playlist (whose segments the recording keeps: live-hls-sync), a live DASH manifest with
 * fMP4 segments (live-dash-sync) and every restream output. Segments are cut at keyframes, so
 * their length follows the publisher's GOP; `segmentSeconds` is the target.
 */
export function packagingArgs(spec: PackagingSpec): string[] {
  const hls = join(spec.dir, HLS_DIR);
  const slaves = [
    `[f=hls:hls_time=${spec.segmentSeconds}:hls_list_size=6:hls_flags=delete_segments+independent_segments` +
      `:hls_segment_filename=${join(hls, 'seg-%05d.ts')}]${join(hls, LIVE_PLAYLIST)}`,
    `[f=dash:seg_duration=${spec.segmentSeconds}:window_size=6:extra_window_size=4:use_template=1` +
      `:use_timeline=1:remove_at_exit=0]${join(spec.dir, DASH_DIR, LIVE_MPD)}`,
  ];
  for (const target of spec.restream) slaves.push(`[f=flv:onfail=ignore]${target}`);
  return ['-map', '0', '-c', 'copy', '-f', 'tee', slaves.join('|')];
}
