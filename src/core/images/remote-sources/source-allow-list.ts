/**
 * KILN_IMAGE_SOURCES: which remote URLs image URLs may transform. Comma-separated URL prefixes
 * (`https://example.com/img/`), or `*` for any URL (the safe fetch still reaches public addresses
 * only); empty allows none. A prefix matches on the parsed URL's text, so `https://a.com/img/`
 * does not allow `https://a.com.evil/...` nor `https://a.com/img/../private`.
 */
import { KilnError } from '../../errors/kiln-error.js';

export class SourceAllowList {
  private readonly any: boolean;
  private readonly prefixes: string[];

  constructor(setting: string) {
    const items = setting
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.any = items.includes('*');
    this.prefixes = items.filter((s) => s !== '*').map((s) => new URL(s).toString());
  }

  get enabled(): boolean {
    return this.any || this.prefixes.length > 0;
  }

  allows(raw: string): boolean {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (url.username || url.password) return false;
    const text = url.toString();
    return this.any || this.prefixes.some((p) => text.startsWith(p));
  }

  /** Throws `forbidden` (reason `not_allowed`) unless the URL is allowed. */
  check(raw: string): void {
    if (!this.allows(raw))
      throw new KilnError('forbidden', 'The source URL is not among the allowed image sources', {
        details: { sourceReason: 'not_allowed' },
      });
  }
}
