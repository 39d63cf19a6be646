/**
 * imgproxy's URL path, parsed and generated as inverse functions:
 *   /<signature>/<option>/<option>/.../plain/<percent-encoded source>@<extension>
 *   /<signature>/<option>/.../<base64url source, may be split by "/">.<extension>
 * Options are the leading segments that hold the argument separator ":" (base64url has none).
 * The signed text is the path after the signature segment, leading slash included.
 */
import { IMGPROXY_PUBLIC, imgproxyError } from './imgproxy-error.js';

export interface ImgproxySource {
  kind: 'plain' | 'base64';
  url: string;
}

export interface ImgproxyPath {
  signature: string;
  /** Raw option segments, `name:arg1:arg2`, in URL order. */
  options: string[];
  source: ImgproxySource;
  extension?: string;
}

const invalid = (detail: string) => imgproxyError(404, IMGPROXY_PUBLIC.invalidUrl, detail);

/** Parses a path (no query) that starts with "/"; returns the text the signature covers too. */
export function parseImgproxyPath(path: string): ImgproxyPath & { signedPath: string } {
  const segments = path.replace(/^\//, '').split('/');
  const signature = segments.shift() ?? '';
  if (!signature || segments.length === 0) throw invalid(`Invalid path: ${path}`);
  const signedPath = `/${segments.join('/')}`;
  const options: string[] = [];
  while (segments.length > 0 && segments[0]!.includes(':')) options.push(segments.shift()!);
  if (segments[0] === 'enc') throw invalid('Source URL encryption is not supported');
  let source: ImgproxySource;
  let extension: string | undefined;
  if (segments[0] === 'plain') {
    let text = segments.slice(1).join('/');
    const at = text.lastIndexOf('@');
    if (at >= 0) {
      extension = text.slice(at + 1);
      text = text.slice(0, at);
    }
    let url: string;
    try {
      url = decodeURIComponent(text);
    } catch {
      throw invalid(`Invalid source URL: ${text}`);
    }
    source = { kind: 'plain', url };
  } else {
    let text = segments.join('');
    const dot = text.indexOf('.');
    if (dot >= 0) {
      extension = text.slice(dot + 1);
      text = text.slice(0, dot);
    }
    if (!/^[A-Za-z0-9_-]+=*$/.test(text)) throw invalid(`Invalid source URL encoding: ${text}`);
    source = { kind: 'base64', url: Buffer.from(text, 'base64url').toString('utf8') };
  }
  if (!source.url) throw invalid('Empty source URL');
  if (extension === '') extension = undefined;
  return { signature, options, source, ...(extension !== undefined && { extension }), signedPath };
}

/** The path `parseImgproxyPath` reads back into the same parts. */
export function generateImgproxyPath(parts: ImgproxyPath): string {
  const options = parts.options.map((o) => `/${o}`).join('');
  const source =
    parts.source.kind === 'plain'
      ? `/plain/${escapePlain(parts.source.url)}${parts.extension ? `@${parts.extension}` : ''}`
      : `/${Buffer.from(parts.source.url).toString('base64url')}${parts.extension ? `.${parts.extension}` : ''}`;
  return `/${parts.signature}${options}${source}`;
}

/** What imgproxy asks of plain source URLs: `%`, `?` and `@` escaped (in that order). */
export function escapePlain(url: string): string {
  return url.replace(/%/g, '%25').replace(/\?/g, '%3F').replace(/@/g, '%40');
}
