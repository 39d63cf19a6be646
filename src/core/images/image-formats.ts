/**
 * The one table of image formats (imgproxy's `imagetype/defs.go` is the model): what each format is
 * called, its media type and file extensions, and what Kiln's image engine (sharp/libvips) can do
 * with it. Every place that asks "is this an image Kiln can process?" or "what media type does this
 * format have?" reads it; nothing else lists formats.
 */

export type ImageFormatName = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff' | 'svg';

/** How the bytes announce the format (what the sniffer's magic numbers look for). */
export type MagicFamily = 'jpeg' | 'png' | 'riff-webp' | 'isobmff' | 'gif' | 'tiff' | 'xml';

export interface ImageFormat {
  name: ImageFormatName;
  /** The media type Kiln answers with and accepts for it. */
  mime: string;
  /** File extensions without the dot, the usual one first. */
  extensions: readonly string[];
  /** The names sharp's metadata() reports for it (AVIF files are read by libheif as `heif`). */
  sharpNames: readonly string[];
  /** The engine decodes it (an upload of it is an image Kiln can process). */
  load: boolean;
  /** The engine encodes it (a transform can answer in it). */
  save: boolean;
  /** It can carry several frames that Kiln keeps as an animation. */
  animate: boolean;
  /** It can carry an alpha channel. */
  alpha: boolean;
  magic: MagicFamily;
}

// biome-ignore format: one format a line, read as a table
export const IMAGE_FORMATS: readonly ImageFormat[] = [
  { name: 'jpeg', mime: 'image/jpeg', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'], sharpNames: ['jpeg'], load: true, save: true, animate: false, alpha: false, magic: 'jpeg' },
  { name: 'png', mime: 'image/png', extensions: ['png'], sharpNames: ['png'], load: true, save: true, animate: false, alpha: true, magic: 'png' },
  { name: 'webp', mime: 'image/webp', extensions: ['webp'], sharpNames: ['webp'], load: true, save: true, animate: true, alpha: true, magic: 'riff-webp' },
  { name: 'avif', mime: 'image/avif', extensions: ['avif'], sharpNames: ['avif', 'heif'], load: true, save: true, animate: false, alpha: true, magic: 'isobmff' },
  { name: 'gif', mime: 'image/gif', extensions: ['gif'], sharpNames: ['gif'], load: true, save: true, animate: true, alpha: true, magic: 'gif' },
  { name: 'tiff', mime: 'image/tiff', extensions: ['tif', 'tiff'], sharpNames: ['tiff'], load: true, save: false, animate: false, alpha: true, magic: 'tiff' },
  { name: 'svg', mime: 'image/svg+xml', extensions: ['svg'], sharpNames: ['svg'], load: true, save: false, animate: false, alpha: true, magic: 'xml' },
];

const BY_NAME = new Map(IMAGE_FORMATS.map((f) => [f.name, f]));
const BY_SHARP_NAME = new Map(IMAGE_FORMATS.flatMap((f) => f.sharpNames.map((n) => [n, f] as const)));
const BY_MIME = new Map(IMAGE_FORMATS.map((f) => [f.mime, f]));

export function imageFormat(name: ImageFormatName): ImageFormat {
  return BY_NAME.get(name)!;
}

/** The format sharp reported for a decoded image (`heif` is AVIF's container). */
export function imageFormatOfSharpName(sharpName: string): ImageFormat | undefined {
  return BY_SHARP_NAME.get(sharpName);
}

/** The format of a media type (parameters and case ignored), if it is one of the table's. */
export function imageFormatOfMime(contentType: string): ImageFormat | undefined {
  return BY_MIME.get(contentType.split(';')[0]!.trim().toLowerCase());
}

/** An image format Kiln's engine can decode: an upload of this type can be transformed. */
export function isProcessableImage(contentType: string): boolean {
  return imageFormatOfMime(contentType)?.load === true;
}

/** The media types of every format the engine can decode. */
export const PROCESSABLE_IMAGE_TYPES: ReadonlySet<string> = new Set(
  IMAGE_FORMATS.filter((f) => f.load).map((f) => f.mime),
);
