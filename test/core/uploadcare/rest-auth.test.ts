import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSignature } from '@uploadcare/rest-client';
import { isRestAuthorization, restSignature } from '../../../src/core/uploadcare/rest-auth.js';

test("the Uploadcare scheme's signature is the one the official client computes", async () => {
  const date = 'Mon, 05 Nov 2018 13:14:41 GMT';
  const body = '["21975c81-7f57-4c7a-aef9-acfe28779f78"]';
  const ours = restSignature('secret', {
    method: 'PUT',
    uri: '/files/storage/',
    contentType: 'application/json',
    body,
    date,
  });
  const md5 = (await import('node:crypto')).createHash('md5').update(body).digest('hex');
  const theirs = await createSignature(
    'secret',
    ['PUT', md5, 'application/json', date, '/files/storage/'].join('\n'),
  );
  assert.equal(ours, theirs);
});

test('the two REST schemes are recognised, nothing else', () => {
  assert.equal(isRestAuthorization('Uploadcare pub:sig'), true);
  assert.equal(isRestAuthorization('Uploadcare.Simple pub:secret'), true);
  assert.equal(isRestAuthorization('Bearer token'), false);
  assert.equal(isRestAuthorization(undefined), false);
});
