/** The image type a body starts with (magic bytes), before anything is stored or decoded. */
export function sniffImageType(head: Buffer): string | undefined {
  const at = (offset: number, text: string) =>
    head.subarray(offset, offset + text.length).toString('latin1') === text;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(4, 'ftyp') && /^(avif|avis|heic|heix|mif1|msf1)$/.test(head.subarray(8, 12).toString('latin1')))
    return 'heif';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'tiff';
  const text = head.subarray(0, 256).toString('utf8').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(text)) return 'svg';
  return undefined;
}
