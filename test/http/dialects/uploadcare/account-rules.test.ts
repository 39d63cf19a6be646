import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { UploadError, uploadFile } from '@uploadcare/upload-client';
import { expireAssets } from '../../../../src/core/assets/expire-assets.js';
import { fetchBytes, startUc, type UcHarness, ucCall } from './uc-harness.js';

let h: UcHarness;
before(async () => {
  h = await startUc();
});
after(() => h?.kiln.close());

const accounts = () => h.kiln.server.runtime.accounts;
const sign = (secret: string, expire: number) =>
  createHmac('sha256', secret).update(String(expire)).digest('hex');
const code = (err: unknown) => (err instanceof UploadError ? err.code : String(err));

test('signed uploads: good, expired, wrong and missing signatures', async () => {
  const creds = await h.kiln.createAccount();
  await accounts().updateSettings(creds.id, { signedUploads: true });
  const sdk = { ...h.sdk, publicKey: creds.uploadcare.publicKey };
  const expire = Math.floor(Date.now() / 1000) + 600;
  const good = await uploadFile(Buffer.from('signed'), {
    ...sdk,
    secureSignature: sign(creds.uploadcare.secretKey, expire),
    secureExpire: String(expire),
  });
  assert.equal((await fetchBytes(good.cdnUrl)).body.toString(), 'signed');

  const past = Math.floor(Date.now() / 1000) - 10;
  await assert.rejects(
    uploadFile(Buffer.from('x'), {
      ...sdk,
      secureSignature: sign(creds.uploadcare.secretKey, past),
      secureExpire: String(past),
    }),
    (err) => code(err) === 'SignatureExpirationError',
  );
  await assert.rejects(
    uploadFile(Buffer.from('x'), {
      ...sdk,
      secureSignature: sign('wrong-secret', expire),
      secureExpire: String(expire),
    }),
    (err) => code(err) === 'SignatureInvalidError' && (err as Error).message === 'Invalid signature.',
  );
  await assert.rejects(uploadFile(Buffer.from('x'), sdk), (err) => code(err) === 'SignatureRequiredError');
  await assert.rejects(
    uploadFile(Buffer.from('x'), { ...sdk, secureSignature: 'abc', secureExpire: String(expire * 1000) }),
    (err) => code(err) === 'SignatureExpirationInvalidError',
  );
  const noExpire = await ucCall(h.api, '/from_url/', {
    pub_key: creds.uploadcare.publicKey,
    source_url: 'http://example.com/',
    signature: 'abc',
  });
  assert.equal(noExpire.json.error.error_code, 'SignatureExpirationRequiredError');
});

test('UPLOADCARE_STORE 0/1/auto with the account auto-store setting; temporary files are served until they expire', async () => {
  const creds = await h.kiln.createAccount();
  const sdk = { ...h.sdk, publicKey: creds.uploadcare.publicKey };
  assert.equal((await uploadFile(Buffer.from('a'), { ...sdk, store: 'auto' })).isStored, true);
  await accounts().updateSettings(creds.id, { autoStore: false });
  assert.equal((await uploadFile(Buffer.from('b'), { ...sdk, store: 'auto' })).isStored, false);
  assert.equal((await uploadFile(Buffer.from('c'), { ...sdk, store: true })).isStored, true);
  const temp = await uploadFile(Buffer.from('temporary'), { ...sdk, store: false });
  assert.equal(temp.isStored, false);
  const runtime = h.kiln.server.runtime;
  const asset = await runtime.assets.get(creds.id, temp.uuid);
  const hours = (Date.parse(asset.expiresAt!) - Date.now()) / 3600_000;
  assert.ok(hours > 23.9 && hours <= 24, String(hours));
  assert.equal((await fetchBytes(temp.cdnUrl)).body.toString(), 'temporary');
  // Time passes: past its expiry the file is gone from the CDN at once, and the sweep removes it.
  await runtime.assets.update(creds.id, temp.uuid, { expiresAt: new Date(Date.now() - 1000).toISOString() });
  assert.equal((await fetchBytes(temp.cdnUrl)).res.status, 404);
  assert.ok((await expireAssets(runtime)) >= 1);
  assert.equal(await runtime.assets.find(creds.id, temp.uuid), null);
});

test('per-account limits: file size, file count and storage have their errors', async () => {
  const creds = await h.kiln.createAccount();
  const sdk = { ...h.sdk, publicKey: creds.uploadcare.publicKey };
  await accounts().updateSettings(creds.id, { maxFileSize: 100 });
  await assert.rejects(
    uploadFile(Buffer.alloc(101), sdk),
    (err) => code(err) === 'FileSizeLimitExceededError',
  );
  const big = await ucCall(h.api, '/multipart/start/', {
    UPLOADCARE_PUB_KEY: creds.uploadcare.publicKey,
    size: String(11 * 1024 * 1024),
  });
  assert.equal(big.json.error.error_code, 'MultipartFileSizeLimitExceededError');
  await accounts().updateSettings(creds.id, { maxFileSize: 0, maxFiles: 1 });
  await uploadFile(Buffer.from('one'), sdk);
  await assert.rejects(
    uploadFile(Buffer.from('two'), sdk),
    (err) => code(err) === 'AccountLimitsExceededError',
  );
  await accounts().updateSettings(creds.id, { maxFiles: 0, maxStorageBytes: 10 });
  await assert.rejects(
    uploadFile(Buffer.from('12345678'), sdk),
    (err) => code(err) === 'AccountLimitsExceededError',
  );
});

test('throttling: RequestThrottledError with Retry-After; the SDK waits and retries once', async () => {
  const creds = await h.kiln.createAccount();
  await accounts().updateSettings(creds.id, { uploadRequestsPerSecond: 1 });
  const info = () =>
    fetch(
      `${h.api}/info/?pub_key=${creds.uploadcare.publicKey}&file_id=00000000-0000-4000-8000-000000000000`,
    );
  // Burst of 2, then throttled.
  await info();
  await info();
  const throttled = await info();
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '1');
  assert.equal(await throttled.text(), 'Request was throttled.');
  const enveloped = await ucCall(
    h.api,
    '/info/',
    { pub_key: creds.uploadcare.publicKey, file_id: 'x' },
    'GET',
  );
  assert.equal(enveloped.status, 200);
  assert.equal(enveloped.json.error.error_code, 'RequestThrottledError');
  assert.equal(enveloped.headers.get('retry-after'), '1');
  // The SDK honours Retry-After: its base upload is throttled, retried after ~1 s, and succeeds
  // (the info polls after it may be throttled and retried too).
  const started = Date.now();
  const file = await uploadFile(Buffer.from('patient'), {
    ...h.sdk,
    publicKey: creds.uploadcare.publicKey,
    retryThrottledRequestMaxTimes: 5,
  });
  assert.ok(Date.now() - started >= 500);
  assert.equal((await fetchBytes(file.cdnUrl)).body.toString(), 'patient');
});
