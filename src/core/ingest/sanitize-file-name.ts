/** A client-given file name made safe to store and show: last path segment, no control characters, at most 255 characters. */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '');
  return clean.trim().slice(0, 255) || 'file';
}
