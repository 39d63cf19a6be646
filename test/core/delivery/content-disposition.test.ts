import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatContentDisposition } from '../../../src/core/delivery/content-disposition.js';

describe('formatContentDisposition', () => {
  const cases: Array<[string, Parameters<typeof formatContentDisposition>[0], string]> = [
    ['type only', { type: 'inline' }, 'inline'],
    ['empty name', { type: 'attachment', filename: '' }, 'attachment'],
    [
      'ASCII name',
      { type: 'attachment', filename: 'report 2024.pdf' },
      'attachment; filename="report 2024.pdf"',
    ],
    [
      'quotes and backslashes escaped',
      { type: 'inline', filename: 'a"b.txt' },
      'inline; filename="a\\"b.txt"',
    ],
    [
      'UTF-8 name gets filename* and an ASCII fallback',
      { type: 'attachment', filename: 'résumé.pdf' },
      'attachment; filename="r_sum_.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf',
    ],
    [
      'RFC 8187 attr-chars only',
      { type: 'attachment', filename: "naïve (1)'*.txt" },
      "attachment; filename=\"na_ve (1)'*.txt\"; filename*=UTF-8''na%C3%AFve%20%281%29%27%2A.txt",
    ],
    [
      'emoji',
      { type: 'inline', filename: '🎬.mp4' },
      'inline; filename="__.mp4"; filename*=UTF-8\'\'%F0%9F%8E%AC.mp4',
    ],
    [
      'path parts dropped',
      { type: 'attachment', filename: '../../etc/passwd' },
      'attachment; filename="passwd"',
    ],
    [
      'windows path parts dropped',
      { type: 'attachment', filename: 'C:\\x\\y.txt' },
      'attachment; filename="y.txt"',
    ],
    [
      'CR/LF cannot inject a header',
      { type: 'attachment', filename: 'a\r\nSet-Cookie: x.txt' },
      'attachment; filename="aSet-Cookie: x.txt"',
    ],
    [
      'lone surrogate',
      { type: 'attachment', filename: 'a\uD800.txt' },
      'attachment; filename="a_.txt"; filename*=UTF-8\'\'a%EF%BF%BD.txt',
    ],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.equal(formatContentDisposition(input), want));
  }

  it('round-trips through a standard decoder', () => {
    const value = formatContentDisposition({ type: 'attachment', filename: 'Ünïcødé 文件.mp4' });
    const star = /filename\*=UTF-8''(.+)$/.exec(value)![1]!;
    assert.equal(decodeURIComponent(star), 'Ünïcødé 文件.mp4');
  });
});
