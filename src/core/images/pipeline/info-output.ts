/**
 * Information outputs instead of pixels: `json` (Cloudflare format=json and Uploadcare -/json/ share
 * one shape: output size, source facts and an `original` block) and `main_colors` (Uploadcare: the
 * dominant colours as [r, g, b], most frequent first, picked by libimagequant through a palette PNG).
 */
import sharp, { type Sharp } from 'sharp';
import { imageFormatOfSharpName } from '../image-formats.js';
import type { SourceMeta } from '../source-meta.js';

export interface ImageInfoJson {
  width: number;
  height: number;
  format: string;
  color_mode: string;
  orientation: number | null;
  dpi: [number, number] | null;
  sequence: boolean;
  original: { file_size: number; width: number; height: number; format: string };
  main_colors?: Array<[number, number, number]>;
}

export function imageInfoJson(source: SourceMeta, size: { width: number; height: number }): ImageInfoJson {
  const grey = source.space === 'b-w' || source.space === 'grey16';
  const mode = source.space === 'cmyk' ? 'CMYK' : grey ? 'L' : 'RGB';
  return {
    width: size.width,
    height: size.height,
    format: source.format === 'heif' ? 'AVIF' : source.format.toUpperCase(),
    color_mode: source.hasAlpha ? `${mode}A` : mode,
    orientation: source.orientation === 1 ? null : source.orientation,
    dpi: source.density ? [source.density, source.density] : null,
    sequence: source.pages > 1,
    original: {
      file_size: source.size,
      width: source.width,
      height: source.height,
      format: imageFormatOfSharpName(source.format)?.mime ?? `image/${source.format}`,
    },
  };
}

export async function mainColors(img: Sharp, count: number): Promise<Array<[number, number, number]>> {
  const palette = await img
    .resize(96, 96, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .png({ palette: true, colours: Math.max(2, count), dither: 0 })
    .toBuffer();
  const { data, info } = await sharp(palette).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += info.channels) {
    const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k]) => [(k >> 16) & 255, (k >> 8) & 255, k & 255]);
}
