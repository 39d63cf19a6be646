/** Generated test images: four coloured quadrants, transparent PNG, animated GIF, CMYK, 16-bit, EXIF-rotated. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const RED = [255, 0, 0];
export const GREEN = [0, 255, 0];
export const BLUE = [0, 0, 255];
export const WHITE_PX = [255, 255, 255];

/** Top-left red, top-right green, bottom-left blue, bottom-right white. */
export function quadrantRaw(width = 200, height = 100): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = y < height / 2;
      const left = x < width / 2;
      buf.set(top ? (left ? RED : GREEN) : left ? BLUE : WHITE_PX, (y * width + x) * 3);
    }
  }
  return buf;
}

export function quadrantPng(width = 200, height = 100): Promise<Buffer> {
  return sharp(quadrantRaw(width, height), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Colour name of the pixel at (x, y), or the raw values. */
export async function colourAt(image: Buffer, x: number, y: number): Promise<string> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const xx = x < 0 ? info.width + x : x;
  const yy = y < 0 ? info.height + y : y;
  const i = (yy * info.width + xx) * info.channels;
  const px = [data[i]!, data[i + 1]!, data[i + 2]!];
  const names: Record<string, number[]> = {
    red: RED,
    green: GREEN,
    blue: BLUE,
    white: WHITE_PX,
    black: [0, 0, 0],
  };
  for (const [name, c] of Object.entries(names))
    if (c.every((v, k) => Math.abs(v - px[k]!) < 40)) return name;
  return px.join(',');
}

export async function animatedGif(frames = 4, size = 64): Promise<Buffer> {
  const colours = [RED, GREEN, BLUE, WHITE_PX];
  const raw = Buffer.alloc(size * size * frames * 4);
  for (let f = 0; f < frames; f++) {
    const c = colours[f % colours.length]!;
    for (let i = 0; i < size * size; i++) raw.set([...c, 255], (f * size * size + i) * 4);
  }
  return sharp(raw, { raw: { width: size, height: size * frames, channels: 4, pageHeight: size } })
    .gif({ delay: Array(frames).fill(100), loop: 0 })
    .toBuffer();
}

export function transparentPng(): Promise<Buffer> {
  return sharp({
    create: { width: 120, height: 80, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } },
  })
    .composite([
      {
        input: {
          create: { width: 60, height: 40, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } },
        },
        left: 30,
        top: 20,
      },
    ])
    .png()
    .toBuffer();
}

/** The repository's own photographs (test/fixtures/photos/README.md: authors and licences). */
export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'photos');

/** One fixture photograph by name (`cups` or `path`, both 2560x1600 JPEG). */
export function fixturePhoto(name: 'cups' | 'path' = 'cups'): Buffer {
  return readFileSync(fixturePhotoPath(name));
}

export function fixturePhotoPath(name: 'cups' | 'path' = 'cups'): string {
  return join(FIXTURES_DIR, `${name}-2560x1600.jpg`);
}

export function fixturePhotos(): Array<{ name: string; data: Buffer }> {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((name) => ({ name, data: readFileSync(join(FIXTURES_DIR, name)) }));
}
