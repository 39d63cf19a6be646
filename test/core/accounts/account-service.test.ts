import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AccountService } from '../../../src/core/accounts/account-service.js';
import { SecretBox } from '../../../src/core/signing/secret-box.js';
import { openTestDatabase } from '../../support/test-database.js';

async function withService(
  fn: (svc: AccountService, h: Awaited<ReturnType<typeof openTestDatabase>>) => Promise<void>,
) {
  const h = await openTestDatabase();
  try {
    await fn(new AccountService(h.db, new SecretBox(randomBytes(32))), h);
  } finally {
    await h.close();
  }
}

test('create returns the credential shape of the contract', () =>
  withService(async (svc) => {
    const c = await svc.create('  Acme  ');
    assert.match(c.id, /^[0-9a-f]{32}$/);
    assert.equal(c.name, 'Acme');
    assert.ok(c.apiToken.length >= 32);
    assert.ok(c.imagesHash.length >= 16);
    assert.ok(c.uploadcare.publicKey && c.uploadcare.secretKey);
    assert.ok(c.stream.apiKey);
    assert.ok(!c.stream.apiSecret.includes('.'));
    // The contract's fields, plus the one it names as a later addition: imgproxy's key and salt (hex).
    assert.deepEqual(Object.keys(c).sort(), [
      'apiToken',
      'id',
      'imagesHash',
      'imgproxy',
      'name',
      'stream',
      'uploadcare',
    ]);
    assert.match(c.imgproxy.key, /^[0-9a-f]{64}$/);
    assert.match(c.imgproxy.salt, /^[0-9a-f]{64}$/);
  }));

test('secrets are stored hashed or encrypted, never in the clear', () =>
  withService(async (svc, h) => {
    const c = await svc.create('acme');
    const row = await h.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    const tokens = await h.db.selectFrom('api_tokens').selectAll().execute();
    const dump = JSON.stringify({ row, tokens });
    assert.ok(!dump.includes(c.apiToken));
    assert.ok(!dump.includes(c.uploadcare.secretKey));
    assert.ok(!dump.includes(c.stream.apiSecret));
    assert.equal(await svc.uploadcareSecret(c.id), c.uploadcare.secretKey);
    assert.equal(await svc.streamSecret(c.id), c.stream.apiSecret);
    assert.equal(await svc.verifyUploadcareSecret(c.id, c.uploadcare.secretKey), true);
    assert.equal(await svc.verifyUploadcareSecret(c.id, 'nope'), false);
  }));

test('tokens and keys find their account; deleted accounts are gone', () =>
  withService(async (svc) => {
    const a = await svc.create('a');
    const b = await svc.create('b');
    assert.equal((await svc.authenticateToken(a.apiToken))?.id, a.id);
    assert.equal((await svc.authenticateToken(b.apiToken))?.id, b.id);
    assert.equal(await svc.authenticateToken('wrong'), null);
    assert.equal(await svc.authenticateToken(''), null);
    assert.equal((await svc.findByImagesHash(a.imagesHash))?.id, a.id);
    assert.equal((await svc.findByUploadcarePublicKey(b.uploadcare.publicKey))?.id, b.id);
    assert.equal((await svc.findByStreamApiKey(a.stream.apiKey))?.id, a.id);
    assert.deepEqual(
      (await svc.list()).map((x) => x.id),
      [a.id, b.id],
    );
    await svc.delete(a.id);
    assert.equal(await svc.authenticateToken(a.apiToken), null);
    assert.equal(await svc.findByImagesHash(a.imagesHash), null);
    await assert.rejects(svc.get(a.id), /not found/);
    await assert.rejects(svc.delete(a.id), /not found/);
    assert.deepEqual(
      (await svc.list()).map((x) => x.id),
      [b.id],
    );
  }));

test('settings patch merges', () =>
  withService(async (svc) => {
    const a = await svc.create('a');
    await svc.updateSettings(a.id, { autoStore: false });
    const after = await svc.updateSettings(a.id, { maxFiles: 3 });
    assert.deepEqual(after.settings, { autoStore: false, maxFiles: 3 });
    assert.deepEqual((await svc.get(a.id)).settings, { autoStore: false, maxFiles: 3 });
  }));

test('names are validated', () =>
  withService(async (svc) => {
    await assert.rejects(svc.create('   '), /name/);
    await assert.rejects(svc.create('x'.repeat(201)), /name/);
  }));
