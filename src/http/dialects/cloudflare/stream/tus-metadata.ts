import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';

/**
 * `Upload-Metadata`: comma-separated `key base64(value)` pairs, value optional. Keys are
 * lower-cased (Cloudflare's docs spell them both ways).
 */
export function parseUploadMetadata(header: string | undefined): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (!header) return out;
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined) throw badRequest('Upload-Metadata is malformed');
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw badRequest(`Upload-Metadata: the value of ${key} is not base64`);
    }
    out.set(key.toLowerCase(), value === undefined ? null : Buffer.from(value, 'base64').toString('utf8'));
  }
  return out;
}
