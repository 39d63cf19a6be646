/**
 * Perceptual image comparison for tests, never byte equality (in the spirit of sharp's assertSimilar):
 * a 64-bit difference hash plus the mean absolute difference of 32x32 greyscale thumbnails.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';

async function grey(input: Buffer, w: number, h: number): Promise<Buffer> {
  return sharp(input, { animated: false })
    .flatten({ background: '#ffffff' })
    .greyscale()
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();
}

/** 64-bit dHash as 16 hex digits. */
export async function dHash(input: Buffer): Promise<string> {
  const px = await grey(input, 9, 8);
  let bits = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) bits = (bits << 1n) | (px[y * 9 + x]! < px[y * 9 + x + 1]! ? 1n : 0n);
  }
  return bits.toString(16).padStart(16, '0');
}

export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

/** Mean absolute difference (0..255) of 32x32 greyscale thumbnails. */
export async function meanAbsoluteDifference(a: Buffer, b: Buffer): Promise<number> {
  const [pa, pb] = await Promise.all([grey(a, 32, 32), grey(b, 32, 32)]);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i]! - pb[i]!);
  return sum / pa.length;
}

export async function assertSimilar(
  actual: Buffer,
  expected: Buffer,
  options: { maxHamming?: number; maxMad?: number } = {},
) {
  const [ha, hb] = await Promise.all([dHash(actual), dHash(expected)]);
  const distance = hammingDistance(ha, hb);
  const mad = await meanAbsoluteDifference(actual, expected);
  assert.ok(
    distance <= (options.maxHamming ?? 6),
    `dHash distance ${distance} (${ha} vs ${hb}), MAD ${mad.toFixed(1)}`,
  );
  assert.ok(
    mad <= (options.maxMad ?? 8),
    `mean absolute difference ${mad.toFixed(1)}, dHash distance ${distance}`,
  );
}

export async function assertNotSimilar(actual: Buffer, other: Buffer) {
  const mad = await meanAbsoluteDifference(actual, other);
  assert.ok(mad > 12, `images should differ, mean absolute difference ${mad.toFixed(1)}`);
}
