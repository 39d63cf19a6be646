import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isActiveContentType, userContentDisposition } from '../../../src/core/delivery/active-content.js';

test('active types: documents, XML of any kind, scripts, plugins, and a missing type', () => {
  for (const type of [
    'text/html',
    'TEXT/HTML; charset=utf-8',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'application/vnd.custom+XML',
    'text/javascript',
    'application/javascript',
    'application/x-shockwave-flash',
    'application/pdf',
    '',
  ]) {
    assert.equal(isActiveContentType(type), true, type);
  }
  for (const type of [
    'image/png',
    'image/jpeg',
    'video/mp4',
    'text/plain',
    'application/json',
    'text/vtt',
    'application/zip',
  ]) {
    assert.equal(isActiveContentType(type), false, type);
  }
});

test('an active type becomes an attachment on the main origin, keeps its name, and is untouched on the delivery origin', () => {
  const inline = { type: 'inline' as const, filename: 'a.svg' };
  assert.deepEqual(userContentDisposition('image/svg+xml', inline, false), {
    type: 'attachment',
    filename: 'a.svg',
  });
  assert.deepEqual(userContentDisposition('image/svg+xml', undefined, false), {
    type: 'attachment',
    filename: undefined,
  });
  assert.deepEqual(userContentDisposition('image/svg+xml', inline, true), inline);
  assert.deepEqual(userContentDisposition('image/png', inline, false), inline);
  assert.equal(userContentDisposition('image/png', undefined, false), undefined);
});
