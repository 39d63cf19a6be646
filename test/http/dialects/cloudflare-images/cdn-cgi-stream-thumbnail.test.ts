import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { sampleMp4 } from '../../../support/media-samples.js';
import { assertSimilar } from '../../../support/perceptual.js';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';

let kiln: TestKiln;
let account: AccountCredentials;

before(async () => {
  kiln = await startKiln();
  account = await kiln.createAccount();
});
after(async () => {
  kiln.server.app?.server.closeAllConnections();
  await kiln.close();
});

test('same-zone: a Stream thumbnail is a /cdn-cgi/image/ source, under the video access rules', async () => {
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const api = `${kiln.url}/client/v4/accounts/${account.id}/stream`;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await sampleMp4())], { type: 'video/mp4' }), 'clip.mp4');
  const created = (await (await fetch(api, { method: 'POST', headers: auth, body: form })).json()) as {
    result: { uid: string };
  };
  const uid = created.result.uid;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const v = (await (await fetch(`${api}/${uid}`, { headers: auth })).json()) as {
      result: { status: { state: string } };
    };
    if (v.result.status.state === 'ready') break;
    assert.notEqual(v.result.status.state, 'error');
    assert.ok(Date.now() < deadline, 'video not ready in time');
    await new Promise((r) => setTimeout(r, 500));
  }
  const thumb = await fetch(`${kiln.url}/stream/${uid}/thumbnails/thumbnail.jpg?time=0.5s`);
  assert.equal(thumb.status, 200);
  const original = Buffer.from(await thumb.arrayBuffer());

  const res = await fetch(
    `${kiln.url}/cdn-cgi/image/width=160,format=png/stream/${uid}/thumbnails/thumbnail.jpg?time=0.5s`,
  );
  assert.equal(res.status, 200, await res.clone().text());
  const body = Buffer.from(await res.arrayBuffer());
  const m = await sharp(body).metadata();
  assert.deepEqual([m.width, m.format], [160, 'png']);
  await assertSimilar(body, await sharp(original).resize(160).png().toBuffer());

  // The video's rules: a video that requires signed URLs refuses its bare uid here too.
  const patch = await fetch(`${api}/${uid}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ requireSignedURLs: true }),
  });
  assert.equal(patch.status, 200, await patch.text());
  const denied = await fetch(`${kiln.url}/cdn-cgi/image/width=100/stream/${uid}/thumbnails/thumbnail.jpg`);
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('cf-resized'), 'err=9425');
  const missing = await fetch(
    `${kiln.url}/cdn-cgi/image/width=100/stream/${'0'.repeat(32)}/thumbnails/thumbnail.jpg`,
  );
  assert.equal(missing.status, 404);
});
