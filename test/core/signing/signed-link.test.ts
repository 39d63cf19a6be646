import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import {
  CLOUDFLARE_IMAGES_LINK_SCHEME,
  signedPath,
  signPath,
  verifySignedPath,
} from '../../../src/core/signing/signed-link.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const NOW = 1_700_000_000;

function rejectsWith(fn: () => unknown, code: string) {
  assert.throws(fn, (err) => err instanceof KilnError && err.code === code && err.status === 403);
}

describe('signed links (Kiln scheme)', () => {
  const link = signedPath('/v/abc/video.mp4', NOW + 60, KEY);

  it('signs with exp and a base64url sig', () => {
    assert.match(link, /^\/v\/abc\/video\.mp4\?exp=1700000060&sig=[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifySignedPath(link, KEY, NOW), { expiresAt: NOW + 60 });
  });

  it('is valid up to and including the expiry second, then expired', () => {
    verifySignedPath(link, KEY, NOW + 60);
    rejectsWith(() => verifySignedPath(link, KEY, NOW + 61), 'signature_expired');
  });

  it('rejects a tampered path, a tampered expiry and a wrong key', () => {
    rejectsWith(() => verifySignedPath(link.replace('abc', 'abd'), KEY, NOW), 'signature_invalid');
    rejectsWith(
      () => verifySignedPath(link.replace('exp=1700000060', 'exp=1800000060'), KEY, NOW),
      'signature_invalid',
    );
    rejectsWith(
      () => verifySignedPath(link, Buffer.from('another key, same length, really'), NOW),
      'signature_invalid',
    );
    rejectsWith(() => verifySignedPath(`${link.slice(0, -2)}AA`, KEY, NOW), 'signature_invalid');
  });

  it('rejects missing, repeated or malformed parameters', () => {
    rejectsWith(() => verifySignedPath('/v/abc/video.mp4', KEY, NOW), 'signature_invalid');
    rejectsWith(() => verifySignedPath(`${link}&sig=x`, KEY, NOW), 'signature_invalid');
    rejectsWith(
      () => verifySignedPath(link.replace(/sig=.*/, 'sig=not+base64'), KEY, NOW),
      'signature_invalid',
    );
    rejectsWith(
      () => verifySignedPath(link.replace('exp=1700000060', 'exp=17e8'), KEY, NOW),
      'signature_invalid',
    );
    rejectsWith(() => verifySignedPath('v/abc?exp=1&sig=AA', KEY, NOW), 'signature_invalid');
  });

  it('accepts any of several keys (rotation)', () => {
    verifySignedPath(link, [Buffer.from('old key'), KEY], NOW);
  });

  it('canonicalises the path: non-ASCII and spaces signed raw verify percent-encoded', () => {
    const query = signPath('/files/été 1.txt', NOW + 5, 'text key');
    verifySignedPath(`/files/%C3%A9t%C3%A9%201.txt?${query}`, 'text key', NOW);
    // `//host/x` stays a path: its signature does not cover `/x`.
    const q2 = signPath('//evil.example/x', NOW + 5, KEY);
    rejectsWith(() => verifySignedPath(`/x?${q2}`, KEY, NOW), 'signature_invalid');
    verifySignedPath(`//evil.example/x?${q2}`, KEY, NOW);
  });

  it('leaves other query params alone (they are not signed in this scheme)', () => {
    const withQuery = signedPath('/img/a.png?w=100', NOW + 5, KEY);
    assert.match(withQuery, /^\/img\/a\.png\?w=100&exp=\d+&sig=/);
    verifySignedPath(withQuery, KEY, NOW);
  });
});

describe('signed links (Cloudflare Images scheme)', () => {
  const key = 'cf-images-signing-key';
  const path = '/hash123/img-id/public';

  it('matches the documented construction: hex HMAC over pathname?exp=...', () => {
    const query = signPath(path, NOW + 60, key, CLOUDFLARE_IMAGES_LINK_SCHEME);
    const expected = createHmac('sha256', key)
      .update(`${path}?exp=${NOW + 60}`)
      .digest('hex');
    assert.equal(query, `exp=${NOW + 60}&sig=${expected}`);
    verifySignedPath(`${path}?${query}`, key, NOW, CLOUDFLARE_IMAGES_LINK_SCHEME);
  });

  it('covers every query param, in the order received, sig excluded wherever it sits', () => {
    const signed = signedPath(`${path}?w=100`, NOW + 60, key, CLOUDFLARE_IMAGES_LINK_SCHEME);
    verifySignedPath(signed, key, NOW, CLOUDFLARE_IMAGES_LINK_SCHEME);
    const sig = /sig=([0-9a-f]+)/.exec(signed)![1];
    verifySignedPath(`${path}?sig=${sig}&w=100&exp=${NOW + 60}`, key, NOW, CLOUDFLARE_IMAGES_LINK_SCHEME);
    rejectsWith(
      () => verifySignedPath(signed.replace('w=100', 'w=101'), key, NOW, CLOUDFLARE_IMAGES_LINK_SCHEME),
      'signature_invalid',
    );
    rejectsWith(
      () => verifySignedPath(signed, key, NOW + 61, CLOUDFLARE_IMAGES_LINK_SCHEME),
      'signature_expired',
    );
  });
});
