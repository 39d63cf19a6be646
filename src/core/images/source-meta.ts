/** What the guard learns from an image header, before any pixel is decoded. */
export interface SourceMeta {
  /** Decoder name from libvips: jpeg, png, webp, gif, avif, heif, svg, tiff, ... */
  format: string;
  /** Size after EXIF orientation (what users see). */
  width: number;
  height: number;
  /** Frames (1 for still images). */
  pages: number;
  hasAlpha: boolean;
  /** Bands of the decoded image (3 = RGB, 4 = RGBA, 1 = grey), for cost estimates. */
  channels?: number;
  /** Sample format of the decoded image (uchar, ushort, float, ...), for cost estimates. */
  depth?: string;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  /** Bytes of the encoded source. */
  size: number;
  hasProfile: boolean;
  space: string;
  isProgressive: boolean;
  density?: number;
  exif?: Buffer;
}
