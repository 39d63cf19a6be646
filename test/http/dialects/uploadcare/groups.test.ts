import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { group, groupInfo, UploadError, uploadFile, uploadFileGroup } from '@uploadcare/upload-client';
import sharp from 'sharp';
import { assertSimilar } from '../../../support/perceptual.js';
import { fetchBytes, smallPhoto, startUc, type UcHarness, ucCall } from './uc-harness.js';

let h: UcHarness;
before(async () => {
  h = await startUc();
});
after(() => h?.kiln.close());

test('uploadFileGroup + groupInfo; nth/<i>/ serves members, archive/zip/ streams the originals', async () => {
  const photo = await smallPhoto();
  const text = Buffer.from('group member two');
  const g = await uploadFileGroup([photo, text], { ...h.sdk, fileName: 'member.bin' });
  assert.match(g.uuid, /^[0-9a-f-]{36}~2$/);
  assert.equal(g.filesCount, 2);
  assert.equal(g.cdnUrl, `${h.kiln.url}/${g.uuid}/`);
  assert.equal(g.files.length, 2);

  const info = await groupInfo(g.uuid, h.sdk);
  assert.equal(info.id, g.uuid);
  assert.equal(info.filesCount, 2);
  assert.equal(info.files?.[0]?.defaultEffects, '');
  // As on the hosted service: null until the group itself is stored through the REST API.
  assert.equal(info.datetimeStored, null);

  assert.deepEqual((await fetchBytes(`${g.cdnUrl}nth/0/`)).body, photo);
  assert.deepEqual((await fetchBytes(`${g.cdnUrl}nth/1/`)).body, text);
  const resized = await fetchBytes(`${g.cdnUrl}nth/0/-/resize/160x/-/format/png/small.png`);
  const m = await sharp(resized.body).metadata();
  assert.deepEqual([m.format, m.width, m.height], ['png', 160, 100]);
  assert.equal((await fetchBytes(`${g.cdnUrl}nth/2/`)).res.status, 404);
  assert.equal((await fetchBytes(g.cdnUrl)).res.status, 200);

  const zip = await fetchBytes(`${g.cdnUrl}archive/zip/`);
  assert.equal(zip.res.status, 200);
  assert.equal(zip.res.headers.get('content-type'), 'application/zip');
  const dir = mkdtempSync(join(tmpdir(), 'uc-zip-'));
  try {
    writeFileSync(join(dir, 'g.zip'), zip.body);
    execFileSync('unzip', ['-q', join(dir, 'g.zip'), '-d', join(dir, 'out')]);
    assert.deepEqual(readFileSync(join(dir, 'out', 'member.bin')), photo);
    assert.deepEqual(readFileSync(join(dir, 'out', '1_member.bin')), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group entries may carry CDN operations (default_effects applied on nth) and be CDN URLs', async () => {
  const photo = await smallPhoto();
  const a = await uploadFile(photo, h.sdk);
  const g = await group(
    [`${a.uuid}/-/resize/200x/`, `${a.cdnUrl}-/preview/100x100/-/format/png/`, a.uuid],
    h.sdk,
  );
  assert.equal(g.filesCount, 3);
  assert.equal(g.files?.[0]?.defaultEffects, 'resize/200x/');
  assert.equal(g.files?.[1]?.defaultEffects, 'preview/100x100/-/format/png/');
  const first = await fetchBytes(`${h.kiln.url}/${g.id}/nth/0/-/format/png/`);
  const m = await sharp(first.body).metadata();
  assert.deepEqual([m.width, m.height, m.format], [200, 125, 'png']);
  await assertSimilar(first.body, await sharp(photo).resize(200).png().toBuffer());
  const second = await sharp((await fetchBytes(`${h.kiln.url}/${g.id}/nth/1/`)).body).metadata();
  assert.deepEqual([second.width, second.format], [100, 'png']);
  // `~` percent-encoded, as URLSearchParams sends it, works too.
  assert.equal((await fetch(`${h.kiln.url}/${g.id.replace('~', '%7E')}/nth/2/`)).status, 200);
});

test('group errors', async () => {
  const call = (fields: Record<string, string>) =>
    ucCall(h.api, '/group/', { pub_key: h.sdk.publicKey, ...fields });
  assert.equal((await call({})).json.error.error_code, 'GroupFilesInvalidError');
  assert.deepEqual((await call({ 'files[0]': 'not-a-file' })).json.error, {
    status_code: 400,
    content: 'This is not valid file url: not-a-file.',
    error_code: 'GroupFileURLParsingFailedError',
  });
  assert.equal(
    (await call({ 'files[0]': '00000000-0000-4000-8000-000000000000' })).json.error.error_code,
    'GroupFilesNotFoundError',
  );
  await assert.rejects(groupInfo('00000000-0000-4000-8000-000000000000~2', h.sdk), (err: unknown) => {
    assert.ok(err instanceof UploadError);
    assert.equal(err.code, 'GroupNotFoundError');
    return true;
  });
  assert.equal(
    (await ucCall(h.api, '/group/info/', { pub_key: h.sdk.publicKey }, 'GET')).json.error.error_code,
    'GroupIdRequiredError',
  );
});
