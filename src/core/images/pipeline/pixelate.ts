/**
 * imgproxy's `pixelate`: blocks of `size` pixels, by shrinking (area average) and enlarging back
 * with the nearest-neighbour kernel. Works on materialised raw pixels (two resizes cannot share one
 * sharp pipeline), so the pipeline runs it in its second stage.
 */
import sharp from 'sharp';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export async function pixelate(raw: RawImage, size: number, timeoutSeconds: number): Promise<RawImage> {
  if (size <= 1) return raw;
  const { width, height, channels } = raw;
  const small = await sharp(raw.data, { raw: { width, height, channels } })
    .timeout({ seconds: timeoutSeconds })
    .resize(Math.max(1, Math.ceil(width / size)), Math.max(1, Math.ceil(height / size)), { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const big = await sharp(small.data, {
    raw: { width: small.info.width, height: small.info.height, channels: small.info.channels },
  })
    .timeout({ seconds: timeoutSeconds })
    .resize(small.info.width * size, small.info.height * size, { fit: 'fill', kernel: 'nearest' })
    .extract({ left: 0, top: 0, width, height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: big.data, width, height, channels: big.info.channels };
}
