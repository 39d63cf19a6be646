/**
 * Which kind of device asked, for device-dependent defaults (Cloudflare Images' original default
 * variant). Client hints win when present (`Sec-CH-UA-Mobile: ?1`); otherwise the User-Agent
 * decides; anything unknown is a desktop.
 */
export type DeviceClass = 'desktop' | 'tablet' | 'mobile';

/** Request headers the answer depends on, for `Vary`. */
export const DEVICE_HINT_HEADERS = ['User-Agent', 'Sec-CH-UA-Mobile'];

const TABLET = /iPad|Tablet|PlayBook|Silk|Kindle|Nexus (7|9|10)|SM-T\d|Android(?!.*Mobile)/i;
const MOBILE = /Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|BlackBerry|Opera Mini|IEMobile/i;

export function deviceClass(headers: Record<string, string | string[] | undefined>): DeviceClass {
  const hint = first(headers['sec-ch-ua-mobile']);
  if (hint?.trim() === '?1') return 'mobile';
  const ua = first(headers['user-agent']) ?? '';
  if (TABLET.test(ua)) return 'tablet';
  if (MOBILE.test(ua)) return 'mobile';
  return 'desktop';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
