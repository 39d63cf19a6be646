import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { SecretBox } from '../../../src/core/signing/secret-box.js';

const box = new SecretBox(randomBytes(32));

function undecryptable(fn: () => unknown) {
  assert.throws(fn, (err) => err instanceof KilnError && err.code === 'internal' && err.status === 500);
}

describe('SecretBox', () => {
  it('round-trips strings and bytes, with a fresh IV each time', () => {
    const sealed = box.encrypt('hmac signing key ✓');
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.equal(box.decryptString(sealed), 'hmac signing key ✓');
    assert.notEqual(box.encrypt('same'), box.encrypt('same'));
    const bytes = randomBytes(100);
    assert.ok(box.decrypt(box.encrypt(bytes)).equals(bytes));
    assert.equal(box.decryptString(box.encrypt('')), '');
  });

  it('detects tampering with any part', () => {
    const sealed = box.encrypt('secret value');
    const parts = sealed.split('.');
    for (const i of [1, 2, 3]) {
      const altered = [...parts];
      const raw = Buffer.from(altered[i]!, 'base64url');
      raw[0]! ^= 1;
      altered[i] = raw.toString('base64url');
      undecryptable(() => box.decrypt(altered.join('.')));
    }
    undecryptable(() => box.decrypt(sealed.replace(/^v1/, 'v2')));
    undecryptable(() => box.decrypt('v1.abc'));
    undecryptable(() => box.decrypt(`${sealed}.extra`));
  });

  it('fails under another master key or another context', () => {
    const sealed = box.encrypt('secret', 'account:1:images');
    assert.equal(box.decryptString(sealed, 'account:1:images'), 'secret');
    undecryptable(() => box.decrypt(sealed, 'account:2:images'));
    undecryptable(() => box.decrypt(sealed));
    undecryptable(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'account:1:images'));
  });

  it('refuses keys that are not 32 bytes', () => {
    assert.throws(() => new SecretBox(randomBytes(16)), /32-byte key, got 16/);
  });
});
