export interface Disposition {
  type: 'inline' | 'attachment';
  filename?: string;
}

/**
 * A Content-Disposition value per RFC 6266, with the RFC 8187 (ex-5987) `filename*` parameter for
 * names that are not plain printable ASCII, plus an ASCII `filename` fallback for old clients:
 *   attachment; filename="resume.pdf"
 *   attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
 * Written here rather than taken from the `content-disposition` package, which is not among our
 * dependencies (the copy in node_modules is an extraneous leftover). Path parts and control
 * characters are dropped, so a stored name can neither point elsewhere nor inject a header.
 */
export function formatContentDisposition(disposition: Disposition): string {
  const name = sanitiseFilename(disposition.filename);
  if (!name) return disposition.type;
  const fallback = name.replace(/[^\x20-\x7e]/g, '_');
  let value = `${disposition.type}; filename=${quote(fallback)}`;
  if (fallback !== name) value += `; filename*=UTF-8''${encodeRfc8187(name)}`;
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function sanitiseFilename(filename: string | undefined): string {
  if (!filename) return '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const withoutControls = filename.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  // Lone surrogates would make encodeURIComponent throw.
  const wellFormed = withoutControls.replace(LONE_SURROGATE, '\uFFFD');
  return (wellFormed.split(/[/\\]/).pop() ?? '').trim().normalize('NFC');
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** Percent-encodes everything outside RFC 8187's attr-char set. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
