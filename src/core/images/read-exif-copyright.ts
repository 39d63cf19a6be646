/**
 * Reads the Copyright tag (0x8298) from IFD0 of a raw EXIF block (as sharp's metadata().exif gives it:
 * optionally "Exif\0\0", then a TIFF header). Enough for `metadata=copyright`; no EXIF library needed.
 */
export function readExifCopyright(exif: Buffer): string | undefined {
  let base = 0;
  if (exif.subarray(0, 6).toString('latin1') === 'Exif\0\0') base = 6;
  if (exif.length < base + 8) return undefined;
  const order = exif.subarray(base, base + 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const u16 = (o: number) => (le ? exif.readUInt16LE(o) : exif.readUInt16BE(o));
  const u32 = (o: number) => (le ? exif.readUInt32LE(o) : exif.readUInt32BE(o));
  try {
    const ifd = base + u32(base + 4);
    const count = u16(ifd);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      if (u16(entry) !== 0x8298 || u16(entry + 2) !== 2) continue;
      const length = u32(entry + 4);
      const start = length <= 4 ? entry + 8 : base + u32(entry + 8);
      const text = exif
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/\0+$/, '');
      // A photographer/editor pair is separated by NUL; keep both, readable.
      return text.replace(/\0/g, ' ').trim() || undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
