import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { type JWK, signHs256, signRs256, verifyHs256, verifyRs256 } from '../../../src/core/signing/jwt.js';

function unauthorized(reason: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof KilnError);
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.status, 401);
    assert.equal(err.details.reason, reason);
    assert.match(err.message, message);
    return true;
  };
}

describe('HS256', () => {
  const secret = 'stream-api-secret';

  it('signs and verifies, with claims', async () => {
    const token = await signHs256({ user_id: 'u1' }, secret, { expiresIn: 60, issuer: 'kiln' });
    const payload = await verifyHs256(token, secret, { issuer: 'kiln', requireExpiry: true });
    assert.equal(payload.user_id, 'u1');
    assert.equal(payload.iss, 'kiln');
    assert.ok(payload.exp! > Date.now() / 1000);
  });

  it('tells an expired token from a bad signature', async () => {
    const expired = await signHs256({ exp: Math.floor(Date.now() / 1000) - 10 }, secret);
    await assert.rejects(verifyHs256(expired, secret), unauthorized('expired', /expired/));
    const good = await signHs256({ a: 1 }, secret);
    await assert.rejects(verifyHs256(good, 'other secret'), unauthorized('bad_signature', /signature/));
    const [h, , s] = good.split('.');
    const forged = `${h}.${Buffer.from('{"a":2}').toString('base64url')}.${s}`;
    await assert.rejects(verifyHs256(forged, secret), unauthorized('bad_signature', /signature/));
  });

  it('rejects malformed tokens, wrong claims and other algorithms', async () => {
    await assert.rejects(verifyHs256('not.a.jwt', secret), unauthorized('malformed', /malformed/));
    await assert.rejects(verifyHs256('', secret), unauthorized('malformed', /malformed/));
    const token = await signHs256({}, secret, { issuer: 'someone' });
    await assert.rejects(
      verifyHs256(token, secret, { issuer: 'kiln' }),
      unauthorized('claim_invalid', /"iss"/),
    );
    await assert.rejects(
      verifyHs256(token, secret, { requireExpiry: true }),
      unauthorized('claim_invalid', /"exp"/),
    );
    const hs512 = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(secret));
    await assert.rejects(verifyHs256(hs512, secret), unauthorized('alg_not_allowed', /algorithm/));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    await assert.rejects(
      verifyHs256(none, secret),
      (err) => err instanceof KilnError && err.code === 'unauthorized',
    );
  });
});

describe('RS256', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = pair.privateKey.export({ format: 'jwk' }) as JWK;
  const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

  it('verifies with a PEM public key, a public JWK or the full key pair JWK', async () => {
    const token = await signRs256({ sub: 'video-uid' }, privateJwk, { expiresIn: 60, keyId: 'k1' });
    assert.equal((await verifyRs256(token, publicPem)).sub, 'video-uid');
    const { d, p, q, dp, dq, qi, ...publicJwk } = privateJwk;
    assert.equal((await verifyRs256(token, publicJwk)).sub, 'video-uid');
    assert.equal((await verifyRs256(token, privateJwk)).sub, 'video-uid');
    assert.equal((await verifyRs256(await signRs256({ sub: 'x' }, privatePem), pair.publicKey)).sub, 'x');
  });

  it('rejects another key, an expired token and an HS256 token', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await signRs256({}, other.privateKey);
    await assert.rejects(verifyRs256(token, publicPem), unauthorized('bad_signature', /signature/));
    const expired = await signRs256({ exp: Math.floor(Date.now() / 1000) - 1 }, privatePem);
    await assert.rejects(verifyRs256(expired, publicPem), unauthorized('expired', /expired/));
    const hs = await signHs256({}, publicPem);
    await assert.rejects(verifyRs256(hs, publicPem), unauthorized('alg_not_allowed', /algorithm/));
  });
});
