import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constantTimeEqual, generateToken, hashToken } from '../../../src/core/signing/tokens.js';

describe('tokens', () => {
  it('generates distinct base64url tokens without dots', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateToken()));
    assert.equal(tokens.size, 200);
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.match(generateToken(16), /^[A-Za-z0-9_-]{22}$/);
  });

  it('hashes tokens with sha256 hex', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares strings of any lengths without throwing', () => {
    assert.equal(constantTimeEqual('secret', 'secret'), true);
    assert.equal(constantTimeEqual('secret', 'secreT'), false);
    assert.equal(constantTimeEqual('secret', 'secret-longer'), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('', 'x'), false);
  });
});
