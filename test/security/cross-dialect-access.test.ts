import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { group, groupInfo, UploadError, uploadFile } from '@uploadcare/upload-client';
import Cloudflare from 'cloudflare';
import { connect, type StreamClient } from 'getstream';
import { importJWK, SignJWT } from 'jose';
import sharp from 'sharp';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';
import { ffmpeg } from '../support/video-fixtures.js';
import { waitFor } from '../support/wait-for.js';

// Two accounts on one server, every dialect: B's credentials never reach A's assets, and signatures
// and tokens are bound to what they were made for.
let kiln: TestKiln;
let alice: AccountCredentials;
let bob: AccountCredentials;
let cfA: Cloudflare;
let cfB: Cloudflare;
let imageId: string;
let videoX: string;
let videoY: string;
let ucFile: string;
let gsFile: string;
let gsAlice: StreamClient;
let gsBob: StreamClient;

const ucSdk = (who: AccountCredentials) => ({
  publicKey: who.uploadcare.publicKey,
  baseURL: `${kiln.url}/uploadcare`,
  baseCDN: kiln.url,
});

before(async () => {
  kiln = await startKiln({
    env: { KILN_RATE_LIMIT_IP_PER_MINUTE: '0', KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0' },
  });
  alice = await kiln.createAccount('alice');
  bob = await kiln.createAccount('bob');
  cfA = new Cloudflare({ apiToken: alice.apiToken, baseURL: `${kiln.url}/client/v4`, maxRetries: 0 });
  cfB = new Cloudflare({ apiToken: bob.apiToken, baseURL: `${kiln.url}/client/v4`, maxRetries: 0 });

  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } })
    .jpeg()
    .toBuffer();
  const image = await cfA.images.v1.create({
    account_id: alice.id,
    file: await Cloudflare.toFile(jpeg, 'a.jpg', { type: 'image/jpeg' }),
    requireSignedURLs: true,
  });
  imageId = image.id!;

  const video = join(kiln.dataDir, 'tiny.mp4');
  await ffmpeg(
    ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '2'].concat([
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      video,
    ]),
  );
  const bytes = await readFile(video);
  const upload = async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }), 'v.mp4');
    const res = await fetch(`${kiln.url}/client/v4/accounts/${alice.id}/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.apiToken}` },
      body: form,
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { result: { uid: string } }).result.uid;
  };
  videoX = await upload();
  videoY = await upload();
  for (const uid of [videoX, videoY]) {
    await waitFor(
      async () => (await cfA.stream.get(uid, { account_id: alice.id })).status?.state === 'ready',
      { what: `video ${uid} ready`, timeoutMs: 60_000, intervalMs: 250 },
    );
    await cfA.stream.edit(uid, { account_id: alice.id, requireSignedURLs: true });
  }

  ucFile = (await uploadFile(Buffer.from('alice uploadcare'), { ...ucSdk(alice), fileName: 'a.txt' })).uuid!;

  const opts = { urlOverride: { api: `${kiln.url}/api/` } };
  gsAlice = connect(alice.stream.apiKey, alice.stream.apiSecret, undefined, opts);
  gsBob = connect(bob.stream.apiKey, bob.stream.apiSecret, undefined, opts);
  gsFile = (await gsAlice.files.upload(Buffer.from('alice getstream'), 'a.txt', 'text/plain')).file;
});
after(() => kiln.close());

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof Cloudflare.APIError) return err.status ?? 0;
    throw err;
  }
};

test("Cloudflare Images: B reaches none of A's images, under its own account id or A's", async () => {
  assert.equal(await status(cfB.images.v1.get(imageId, { account_id: bob.id })), 404);
  assert.equal(await status(cfB.images.v1.delete(imageId, { account_id: bob.id })), 404);
  assert.equal(await status(cfB.images.v1.edit(imageId, { account_id: bob.id, metadata: { x: 1 } })), 404);
  assert.equal(await status(cfB.images.v1.blobs.get(imageId, { account_id: bob.id })), 404);
  const listed = await cfB.images.v1.list({ account_id: bob.id });
  assert.doesNotMatch(JSON.stringify(listed), new RegExp(imageId));
  for (const call of [
    () => cfB.images.v1.get(imageId, { account_id: alice.id }),
    () => cfB.images.v1.delete(imageId, { account_id: alice.id }),
    () => cfB.images.v1.list({ account_id: alice.id }),
    () => cfB.images.v1.keys.list({ account_id: alice.id }),
  ])
    assert.equal(await status(call()), 403);
  assert.equal((await cfA.images.v1.get(imageId, { account_id: alice.id })).id, imageId);
});

test("Cloudflare Stream: B reaches none of A's videos, under its own account id or A's", async () => {
  assert.equal(await status(cfB.stream.get(videoX, { account_id: bob.id })), 404);
  assert.equal(await status(cfB.stream.delete(videoX, { account_id: bob.id })), 404);
  assert.equal(await status(cfB.stream.edit(videoX, { account_id: bob.id, requireSignedURLs: false })), 404);
  assert.equal(await status(cfB.stream.token.create(videoX, { account_id: bob.id })), 404);
  const mine = [];
  for await (const v of cfB.stream.list({ account_id: bob.id })) mine.push(v.uid);
  assert.deepEqual(mine, []);
  for (const call of [
    () => cfB.stream.get(videoX, { account_id: alice.id }),
    () => cfB.stream.delete(videoX, { account_id: alice.id }),
    () => cfB.stream.token.create(videoX, { account_id: alice.id }),
  ])
    assert.equal(await status(call()), 403);
  assert.equal((await cfA.stream.get(videoX, { account_id: alice.id })).status?.state, 'ready');
});

const ucCode = (err: unknown) => (err instanceof UploadError ? String(err.code) : String(err));

test("Uploadcare: B's public key gets no info on A's file and cannot group it", async () => {
  const res = await fetch(
    `${kiln.url}/uploadcare/info/?jsonerrors=1&pub_key=${bob.uploadcare.publicKey}&file_id=${ucFile}`,
  );
  const body = (await res.json()) as { error: { error_code: string } };
  assert.equal(body.error.error_code, 'FileNotFoundError', JSON.stringify(body));
  assert.doesNotMatch(JSON.stringify(body), /alice|a\.txt/);
  await assert.rejects(group([ucFile], ucSdk(bob)), (err) =>
    /FileNotFound|GroupFiles|not found/i.test(`${ucCode(err)} ${(err as Error).message}`),
  );
  // A's own group is invisible to B too.
  const theirs = await group([ucFile], ucSdk(alice));
  await assert.rejects(groupInfo(theirs.id, ucSdk(bob)), (err) => /NotFound/.test(ucCode(err)));
  assert.equal((await groupInfo(theirs.id, ucSdk(alice))).filesCount, 1);
});

test("getstream: B's server token cannot delete or transform A's files", async () => {
  const refused = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as { response?: { status: number } }).response?.status ?? 0;
    }
    return 200;
  };
  assert.ok([403, 404].includes(await refused(gsBob.files.delete(gsFile))));
  assert.ok([403, 404].includes(await refused(gsBob.images.process(gsFile, { w: 10 }))));
  const res = await fetch(gsFile);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'alice getstream');
  await gsAlice.files.delete(gsFile);
});

test('a Cloudflare Images signed URL is refused once its path is changed', async () => {
  const key = (await cfA.images.v1.keys.list({ account_id: alice.id })).keys![0]!.value!;
  const exp = Math.floor(Date.now() / 1000) + 600;
  const img = await cfA.images.v1.get(imageId, { account_id: alice.id });
  const delivery = new URL(img.variants!.find((v) => v.endsWith('/public'))!);
  // Sign the real delivery path; prove it works, then alter it.
  delivery.searchParams.set('exp', String(exp));
  const real = createHmac('sha256', key)
    .update(`${delivery.pathname}?${delivery.searchParams}`)
    .digest('hex');
  delivery.searchParams.set('sig', real);
  assert.equal((await fetch(delivery)).status, 200);
  const altered = new URL(delivery);
  altered.pathname = altered.pathname.replace(/\/public$/, '/w=10');
  assert.equal((await fetch(altered)).status, 403);
  const otherImage = new URL(delivery);
  otherImage.pathname = otherImage.pathname.replace(imageId, `${imageId.slice(0, -1)}x`);
  assert.ok([403, 404].includes((await fetch(otherImage)).status));
});

test("a Stream token for video X does not open video Y; B's signing key does not open A's video", async () => {
  const { token } = await cfA.stream.token.create(videoX, { account_id: alice.id });
  assert.equal((await fetch(`${kiln.url}/stream/${token}/manifest/video.m3u8`)).status, 200);
  const y = await fetch(`${kiln.url}/stream/${videoY}/manifest/video.m3u8?token=${token}`);
  assert.equal(y.status, 401, await y.text());
  // The payload rewritten to name Y, signature kept.
  const [h, p, s] = token!.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const swapped = Buffer.from(JSON.stringify({ ...claims, sub: videoY })).toString('base64url');
  const sw = await fetch(`${kiln.url}/stream/${h}.${swapped}.${s}/manifest/video.m3u8`);
  assert.equal(sw.status, 401, await sw.text());
  const key = await cfB.stream.keys.create({ account_id: bob.id });
  const jwk = JSON.parse(Buffer.from(key.jwk!, 'base64').toString());
  const kid = key.id!;
  const forged = await new SignJWT({ sub: videoX, kid, exp: Math.floor(Date.now() / 1000) + 600 })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(await importJWK(jwk, 'RS256'));
  const fg = await fetch(`${kiln.url}/stream/${forged}/manifest/video.m3u8`);
  assert.ok([401, 404].includes(fg.status), await fg.text());
});

test('an Uploadcare upload signature is refused once its expiry has passed', async () => {
  await kiln.server.runtime.accounts.updateSettings(alice.id, { signedUploads: true });
  const expire = Math.floor(Date.now() / 1000) + 2;
  const signature = createHmac('sha256', alice.uploadcare.secretKey).update(String(expire)).digest('hex');
  const signed = { ...ucSdk(alice), secureSignature: signature, secureExpire: String(expire) };
  assert.ok((await uploadFile(Buffer.from('in time'), signed)).uuid);
  await new Promise((r) => setTimeout(r, (expire + 1) * 1000 - Date.now()));
  await assert.rejects(
    uploadFile(Buffer.from('replayed'), signed),
    (err) => ucCode(err) === 'SignatureExpirationError',
  );
  // The same signature with a later expiry claimed does not match.
  await assert.rejects(
    uploadFile(Buffer.from('altered'), { ...signed, secureExpire: String(expire + 600) }),
    (err) => ucCode(err) === 'SignatureInvalidError',
  );
  await kiln.server.runtime.accounts.updateSettings(alice.id, { signedUploads: false });
});
