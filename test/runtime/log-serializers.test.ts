import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../../src/runtime/log-serializers.js';

test('redactUrl hides the values of credential-like query parameters and keeps the rest', () => {
  assert.equal(redactUrl('/a/b'), '/a/b');
  assert.equal(redactUrl('/f/x?exp=1&sig=abc'), '/f/x?exp=1&sig=[redacted]');
  assert.equal(
    redactUrl('/x?token=t&name=n&api_key=k&Signature=s&%74oken=z'),
    '/x?token=[redacted]&name=n&api_key=[redacted]&Signature=[redacted]&%74oken=[redacted]',
  );
  assert.equal(redactUrl('/x?flag&w=100'), '/x?flag&w=100');
});
