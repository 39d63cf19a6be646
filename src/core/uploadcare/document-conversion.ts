import sharp, { type Sharp } from 'sharp';
import type { DocumentPlan } from './conversion-paths.js';

const OUTPUT = {
  jpg: {
    mime: 'image/jpeg',
    apply: (s: Sharp) => s.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }),
  },
  png: { mime: 'image/png', apply: (s: Sharp) => s.png() },
  webp: { mime: 'image/webp', apply: (s: Sharp) => s.webp({ quality: 90 }) },
} as const;

export function documentMime(format: DocumentPlan['format']): string {
  return OUTPUT[format].mime;
}

/**
 * "Document" conversion as this server really does it: an image to another image format (the
 * first page or frame, EXIF orientation applied), through sharp/libvips with its pixel limit.
 */
export async function convertImageFile(input: string, output: string, plan: DocumentPlan): Promise<void> {
  await OUTPUT[plan.format].apply(sharp(input, { limitInputPixels: 100_000_000 }).rotate()).toFile(output);
}
