import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteRestUrl } from '../../../../src/http/dialects/uploadcare-rest/rest-request.js';

test('only REST paths with the REST schemes are routed to the REST API at the root', () => {
  assert.equal(rewriteRestUrl('/files/?limit=1', 'Uploadcare.Simple a:b'), '/uploadcare/rest/files/?limit=1');
  assert.equal(rewriteRestUrl('/files/abc/name.jpg', undefined), '/files/abc/name.jpg');
  assert.equal(rewriteRestUrl('/files/abc/name.jpg', 'Bearer x'), '/files/abc/name.jpg');
  assert.equal(rewriteRestUrl('/filesystem/', 'Uploadcare a:b'), '/filesystem/');
  assert.equal(
    rewriteRestUrl('/webhooks/unsubscribe/', 'Uploadcare a:b'),
    '/uploadcare/rest/webhooks/unsubscribe/',
  );
  assert.equal(rewriteRestUrl('/project/', ['Uploadcare a:b']), '/uploadcare/rest/project/');
});
