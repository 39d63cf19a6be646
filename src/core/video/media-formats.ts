/**
 * The containers Kiln lets ffmpeg open, per use. Each is a self-contained demuxer: it reads the
 * one file it is given and never opens another. Everything else is refused at probe time as not a
 * valid video, above all the demuxers that follow references to other files or URLs: playlists and
 * manifests (hls, dash), lists (concat, ffconcat), image sequences and patterns (image2), and
 * subtitle or text formats with includes. mov's external data references stay off (ffmpeg's
 * `enable_drefs` defaults to 0), so an MP4 or MOV cannot pull in another file either.
 *
 * Keys are ffmpeg demuxer names, the first name of ffprobe's `format_name`
 * ("mov,mp4,m4a,3gp,3g2,mj2" -> mov); every later run forces that demuxer with `-f`.
 */
export type MediaUse = 'av' | 'audio' | 'image';

const DEMUXERS: Record<string, readonly MediaUse[]> = {
  mov: ['av', 'audio'], // MP4, MOV, M4A, 3GP
  matroska: ['av', 'audio'], // MKV, WebM
  avi: ['av', 'audio'],
  flv: ['av'],
  mpegts: ['av', 'audio'],
  mpeg: ['av', 'audio'], // MPEG program stream (VOB, .mpg)
  ogg: ['av', 'audio'],
  asf: ['av', 'audio'], // WMV, WMA
  mxf: ['av', 'audio'], // the formats below are on Cloudflare Stream's list of inputs; none follows external references
  gxf: ['av', 'audio'],
  lxf: ['av', 'audio'],
  m4v: ['av'], // raw MPEG-4 part 2
  h264: ['av'],
  hevc: ['av'],
  mp3: ['av', 'audio'],
  aac: ['av', 'audio'],
  flac: ['av', 'audio'],
  wav: ['av', 'audio'],
  aiff: ['av', 'audio'],
  png_pipe: ['image'], // watermark overlays (stored as PNG)
};

/** The demuxers allowed for `use`, comma-separated as ffmpeg's `-format_whitelist` takes them. */
export function formatWhitelist(use: MediaUse): string {
  return Object.keys(DEMUXERS)
    .filter((name) => DEMUXERS[name]!.includes(use))
    .join(',');
}

/** The allowed demuxer behind ffprobe's `format_name`, or undefined when it is not allowed for `use`. */
export function allowedDemuxer(formatName: string, use: MediaUse): string | undefined {
  const name = formatName.split(',')[0] ?? '';
  return Object.hasOwn(DEMUXERS, name) && DEMUXERS[name]!.includes(use) ? name : undefined;
}

/**
 * The input options of every ffmpeg run on a file that came from a user: the demuxer forced (no
 * guessing from the bytes or the name), only that demuxer allowed for anything it might open, and
 * only the local file protocol.
 */
export function inputArgs(path: string, demuxer: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', demuxer, '-f', demuxer, '-i', path];
}
