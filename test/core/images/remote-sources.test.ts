import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchReasonOf } from '../../../src/core/fetch/fetch-error.js';
import { fetchRemoteSource } from '../../../src/core/images/remote-sources/fetch-remote-source.js';
import { freshSeconds } from '../../../src/core/images/remote-sources/freshness.js';
import { sniffImageType } from '../../../src/core/images/remote-sources/sniff-image-type.js';
import { SourceAllowList } from '../../../src/core/images/remote-sources/source-allow-list.js';

describe('SourceAllowList (KILN_IMAGE_SOURCES)', () => {
  it('allows nothing by default, prefixes as parsed URLs, or any http(s) URL with *', () => {
    assert.equal(new SourceAllowList('').allows('https://a.com/x.jpg'), false);
    const list = new SourceAllowList('https://a.com/img/, http://b.org');
    assert.ok(list.allows('https://a.com/img/cat.jpg'));
    assert.ok(list.allows('http://b.org/any/where.png'));
    assert.ok(!list.allows('https://a.com/private/cat.jpg'));
    assert.ok(!list.allows('https://a.com.evil.net/img/cat.jpg'));
    assert.ok(!list.allows('https://a.com/img/../private/cat.jpg'));
    assert.ok(!list.allows('https://user:pw@a.com/img/cat.jpg'));
    const any = new SourceAllowList('*');
    assert.ok(any.allows('https://anything.example/x'));
    assert.ok(!any.allows('file:///etc/passwd'));
    assert.ok(!any.allows('local:///abc'));
  });
});

describe('remote source fetch policy', () => {
  it('refuses a name that resolves to a private address, without connecting', async () => {
    const looked: string[] = [];
    const resolver = async (host: string) => {
      looked.push(host);
      return ['10.1.2.3'];
    };
    await assert.rejects(
      fetchRemoteSource('http://internal.example/cat.jpg', {
        allowPrivate: false,
        maxBytes: 1000,
        timeoutMs: 1000,
        resolver,
      }),
      (err) => fetchReasonOf(err) === 'private_ip',
    );
    assert.deepEqual(looked, ['internal.example']);
    for (const literal of [
      'http://127.0.0.1:9/x.jpg',
      'http://[::1]:9/x.jpg',
      'http://169.254.169.254/latest',
    ]) {
      await assert.rejects(
        fetchRemoteSource(literal, { allowPrivate: false, maxBytes: 1000, timeoutMs: 1000, resolver }),
        (err) => fetchReasonOf(err) === 'private_ip',
        literal,
      );
    }
  });
});

describe('freshness and type checks', () => {
  it("honours the origin's Cache-Control and Expires", () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(freshSeconds('public, max-age=600', undefined, 3600, now), 600);
    assert.equal(freshSeconds('max-age=600, s-maxage=60', undefined, 3600, now), 60);
    assert.equal(freshSeconds('no-cache', undefined, 3600, now), 0);
    assert.equal(freshSeconds('no-store, max-age=600', undefined, 3600, now), 0);
    assert.equal(freshSeconds(undefined, 'Thu, 01 Jan 2026 00:10:00 GMT', 3600, now), 600);
    assert.equal(freshSeconds(undefined, undefined, 3600, now), 3600);
  });

  it('recognises images from their first bytes', () => {
    assert.equal(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(sniffImageType(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1')), 'png');
    assert.equal(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'webp');
    assert.equal(sniffImageType(Buffer.from('\0\0\0\x1cftypavif', 'latin1')), 'heif');
    assert.equal(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')), 'svg');
    assert.equal(sniffImageType(Buffer.from('<html><body>no</body></html>')), undefined);
    assert.equal(sniffImageType(Buffer.alloc(0)), undefined);
  });
});
