import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeliveryInput, planDelivery } from '../../../src/core/delivery/plan-delivery.js';

const LAST_MODIFIED = new Date('2024-03-01T12:00:00.750Z');
const LM_HTTP = 'Fri, 01 Mar 2024 12:00:00 GMT';
const base: DeliveryInput = {
  size: 1000,
  lastModified: LAST_MODIFIED,
  etag: 'abc123',
  contentType: 'video/mp4',
  method: 'GET',
  headers: {},
  cacheControl: 'public, max-age=31536000, immutable',
};
const plan = (over: Partial<DeliveryInput> & { headers?: DeliveryInput['headers'] } = {}) =>
  planDelivery({ ...base, ...over });

describe('planDelivery: plain requests', () => {
  it('GET answers 200 with the whole body and every caching header', () => {
    assert.deepEqual(plan(), {
      status: 200,
      headers: {
        etag: '"abc123"',
        'last-modified': LM_HTTP,
        'cache-control': 'public, max-age=31536000, immutable',
        'accept-ranges': 'bytes',
        'content-type': 'video/mp4',
        'content-length': '1000',
      },
      body: { kind: 'whole' },
    });
  });

  it('HEAD answers the same headers with no body, and ignores Range', () => {
    const p = plan({ method: 'HEAD', headers: { range: 'bytes=0-9' } });
    assert.equal(p.status, 200);
    assert.equal(p.headers['content-length'], '1000');
    assert.equal(p.headers['content-range'], undefined);
    assert.deepEqual(p.body, { kind: 'none' });
  });

  it('keeps quoted and weak etags as given', () => {
    assert.equal(plan({ etag: '"q"' }).headers.etag, '"q"');
    assert.equal(plan({ etag: 'W/"w"' }).headers.etag, 'W/"w"');
  });

  it('an empty blob has nothing to read', () => {
    const p = plan({ size: 0 });
    assert.equal(p.headers['content-length'], '0');
    assert.deepEqual(p.body, { kind: 'none' });
  });

  it('adds Content-Disposition when asked', () => {
    const p = plan({ disposition: { type: 'attachment', filename: 'clip.mp4' } });
    assert.equal(p.headers['content-disposition'], 'attachment; filename="clip.mp4"');
  });
});

describe('planDelivery: ranges', () => {
  const cases: Array<[string, number, { status: number; range?: [number, number]; contentRange?: string }]> =
    [
      ['bytes=0-99', 1000, { status: 206, range: [0, 99], contentRange: 'bytes 0-99/1000' }],
      ['bytes=100-', 1000, { status: 206, range: [100, 999], contentRange: 'bytes 100-999/1000' }],
      ['bytes=-500', 1000, { status: 206, range: [500, 999], contentRange: 'bytes 500-999/1000' }],
      ['bytes=-5000', 1000, { status: 206, range: [0, 999], contentRange: 'bytes 0-999/1000' }],
      ['bytes=990-2000', 1000, { status: 206, range: [990, 999], contentRange: 'bytes 990-999/1000' }],
      ['bytes=999-999', 1000, { status: 206, range: [999, 999], contentRange: 'bytes 999-999/1000' }],
      ['bytes=0-', 1000, { status: 206, range: [0, 999], contentRange: 'bytes 0-999/1000' }],
      ['Bytes = 5 - 9', 1000, { status: 206, range: [5, 9], contentRange: 'bytes 5-9/1000' }],
      ['bytes=0-0,', 1000, { status: 206, range: [0, 0], contentRange: 'bytes 0-0/1000' }],
      [
        'bytes=0-99999999999999999999',
        1000,
        { status: 206, range: [0, 999], contentRange: 'bytes 0-999/1000' },
      ],
      ['bytes=1000-', 1000, { status: 416, contentRange: 'bytes */1000' }],
      ['bytes=1000-1001', 1000, { status: 416, contentRange: 'bytes */1000' }],
      ['bytes=-0', 1000, { status: 416, contentRange: 'bytes */1000' }],
      ['bytes=0-', 0, { status: 416, contentRange: 'bytes */0' }],
      ['bytes=-10', 0, { status: 416, contentRange: 'bytes */0' }],
      ['bytes=0-1,5-9', 1000, { status: 200 }], // multi-range: whole body
      ['bytes=9-5', 1000, { status: 200 }], // invalid: ignored
      ['bytes=-', 1000, { status: 200 }],
      ['bytes=a-b', 1000, { status: 200 }],
      ['bytes 0-9', 1000, { status: 200 }],
      ['items=0-9', 1000, { status: 200 }], // unknown unit: ignored
      ['', 1000, { status: 200 }],
    ];
  for (const [range, size, want] of cases) {
    it(`${JSON.stringify(range)} on ${size} bytes -> ${want.status}`, () => {
      const p = plan({ size, headers: { range } });
      assert.equal(p.status, want.status);
      assert.equal(p.headers['content-range'], want.contentRange);
      if (want.status === 206) {
        const [start, end] = want.range!;
        assert.deepEqual(p.body, { kind: 'range', range: { start, end } });
        assert.equal(p.headers['content-length'], String(end - start + 1));
        assert.equal(p.headers['content-type'], 'video/mp4');
        assert.equal(p.headers.etag, '"abc123"');
      } else if (want.status === 416) {
        assert.deepEqual(p.body, { kind: 'none' });
        assert.equal(p.headers['content-length'], '0');
        assert.equal(p.headers['content-type'], undefined);
      } else {
        assert.deepEqual(p.body, size === 0 ? { kind: 'none' } : { kind: 'whole' });
        assert.equal(p.headers['content-length'], String(size));
      }
    });
  }
});

describe('planDelivery: If-Range', () => {
  const cases: Array<[string, string, number]> = [
    ['matching strong etag', '"abc123"', 206],
    ['other etag', '"zzz"', 200],
    ['weak etag never matches', 'W/"abc123"', 200],
    ['exact Last-Modified date', LM_HTTP, 206],
    ['earlier date', 'Fri, 01 Mar 2024 11:59:59 GMT', 200],
    ['later date', 'Fri, 01 Mar 2024 12:00:01 GMT', 200],
    ['garbage', 'yesterday', 200],
  ];
  for (const [name, ifRange, status] of cases) {
    it(`${name} -> ${status}`, () => {
      const p = plan({ headers: { range: 'bytes=0-9', ifRange } });
      assert.equal(p.status, status);
      assert.deepEqual(
        p.body,
        status === 206 ? { kind: 'range', range: { start: 0, end: 9 } } : { kind: 'whole' },
      );
    });
  }

  it('a weak current etag never satisfies If-Range', () => {
    assert.equal(
      plan({ etag: 'W/"abc123"', headers: { range: 'bytes=0-9', ifRange: 'W/"abc123"' } }).status,
      200,
    );
  });

  it('a failed If-Range also skips the 416 of an unsatisfiable range', () => {
    assert.equal(plan({ headers: { range: 'bytes=5000-', ifRange: '"old"' } }).status, 200);
  });
});

describe('planDelivery: conditional GET', () => {
  const cases: Array<[string, DeliveryInput['headers'], number]> = [
    ['If-None-Match same strong tag', { ifNoneMatch: '"abc123"' }, 304],
    ['If-None-Match weak form of the tag', { ifNoneMatch: 'W/"abc123"' }, 304],
    ['If-None-Match list containing the tag', { ifNoneMatch: '"x", W/"y",  "abc123"' }, 304],
    ['If-None-Match list without the tag', { ifNoneMatch: '"x", "y"' }, 200],
    ['If-None-Match *', { ifNoneMatch: '*' }, 304],
    ['If-None-Match other tag', { ifNoneMatch: '"nope"' }, 200],
    ['If-None-Match with a comma inside a tag', { ifNoneMatch: '"a,abc123"' }, 200],
    ['If-Modified-Since equal (sub-second Last-Modified)', { ifModifiedSince: LM_HTTP }, 304],
    ['If-Modified-Since later', { ifModifiedSince: 'Sat, 02 Mar 2024 00:00:00 GMT' }, 304],
    ['If-Modified-Since earlier', { ifModifiedSince: 'Fri, 01 Mar 2024 11:59:59 GMT' }, 200],
    ['If-Modified-Since RFC 850 form', { ifModifiedSince: 'Friday, 01-Mar-24 12:00:00 GMT' }, 304],
    ['If-Modified-Since asctime form', { ifModifiedSince: 'Fri Mar  1 12:00:00 2024' }, 304],
    ['If-Modified-Since garbage', { ifModifiedSince: '1' }, 200],
    [
      'If-None-Match mismatch wins over a matching If-Modified-Since',
      { ifNoneMatch: '"x"', ifModifiedSince: LM_HTTP },
      200,
    ],
    [
      'If-None-Match match wins over an old If-Modified-Since',
      { ifNoneMatch: '"abc123"', ifModifiedSince: 'Thu, 01 Jan 1970 00:00:00 GMT' },
      304,
    ],
    ['304 takes precedence over Range', { ifNoneMatch: '"abc123"', range: 'bytes=0-9' }, 304],
    ['non-matching condition lets Range through', { ifNoneMatch: '"x"', range: 'bytes=0-9' }, 206],
  ];
  for (const [name, headers, status] of cases) {
    it(`${name} -> ${status}`, () => assert.equal(plan({ headers }).status, status));
  }

  it('a 304 carries ETag, Cache-Control and Last-Modified and nothing else', () => {
    for (const method of ['GET', 'HEAD'] as const) {
      assert.deepEqual(plan({ method, headers: { ifNoneMatch: '"abc123"' } }), {
        status: 304,
        headers: { etag: '"abc123"', 'last-modified': LM_HTTP, 'cache-control': base.cacheControl },
        body: { kind: 'none' },
      });
    }
  });
});
