import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { assertSimilar } from '../../../support/perceptual.js';
import { dimensions, get, type ImagesHarness, jpegFile, photo, startImages } from './images-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: raw envelopes read in assertions
type CfEnvelope = { success: boolean; result: any; errors: Array<{ code: number; message: string }> };

let h: ImagesHarness;
let small: Buffer;

before(async () => {
  h = await startImages();
  small = await photo('path', 160);
});
after(() => h.close());

test('v2 list walks every image with continuation_token, newest first, with creator and metadata filters', async () => {
  const account_id = h.account.id;
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const image = await h.client.images.v1.create({
      account_id,
      file: await jpegFile(small),
      creator: i % 2 ? 'odd' : 'even',
      metadata: JSON.stringify({ i, status: i < 3 ? 'active' : 'archived' }),
    });
    ids.push(image.id!);
  }
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await h.client.images.v2.list({ account_id, per_page: 3, continuation_token: token });
    pages++;
    seen.push(...page.images!.map((i) => i.id!));
    if (!page.continuation_token) break;
    token = page.continuation_token;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...ids].reverse());

  const asc = await h.client.images.v2.list({ account_id, sort_order: 'asc' });
  assert.deepEqual(
    asc.images!.map((i) => i.id),
    ids,
  );
  assert.equal(asc.continuation_token, null);

  const odd = await h.client.images.v2.list({ account_id, creator: 'odd', sort_order: 'asc' });
  assert.deepEqual(
    odd.images!.map((i) => i.id),
    [ids[1], ids[3], ids[5]],
  );

  const list = (query: string) =>
    fetch(`${h.kiln.url}/client/v4/accounts/${account_id}/images/v2?sort_order=asc&${query}`, {
      headers: { authorization: `Bearer ${h.account.apiToken}` },
    });
  const filtered = (await (await list('meta.status%5Beq%5D=active&meta.i%5Bgte%5D=1')).json()) as CfEnvelope;
  assert.deepEqual(
    filtered.result.images.map((i: { id: string }) => i.id),
    [ids[1], ids[2]],
  );
  const badOp = await list('meta.status%5Bnot-eq%5D=x');
  assert.equal(badOp.status, 400);
  assert.equal(((await badOp.json()) as CfEnvelope).errors[0].code, 5400);

  // v1 pages: page numbers over the same images, oldest first.
  const p2 = await h.client.images.v1.list({ account_id, page: 2, per_page: 3 });
  const result = p2.result as unknown as { images: Array<{ id: string }> };
  assert.deepEqual(
    result.images.map((i) => i.id),
    ids.slice(3, 6),
  );
  const past = await h.client.images.v1.list({ account_id, page: 9, per_page: 3 });
  assert.deepEqual((past.result as unknown as { images: unknown[] }).images, []);
});

test('direct creator upload: a draft until the one-time URL is used; refused once used', async () => {
  const account_id = h.account.id;
  const created = await h.client.images.v2.directUploads.create({
    account_id,
    metadata: JSON.stringify({ from: 'creator' }),
    id: 'creators/upload-1',
  });
  assert.equal(created.id, 'creators/upload-1');
  assert.ok(created.uploadURL!.startsWith(`${h.kiln.url}/`), created.uploadURL);
  const draft = await h.client.images.v1.get(created.id!, { account_id });
  assert.equal((draft as { draft?: boolean }).draft, true);
  assert.deepEqual(draft.meta, { from: 'creator' });
  const listed = await h.client.images.v2.list({ account_id });
  assert.ok(!listed.images!.some((i) => i.id === created.id), 'drafts are not listed');
  assert.equal((await get(draft.variants![0]!)).status, 404);

  const form = () => {
    const f = new FormData();
    f.set('file', new Blob([new Uint8Array(small)], { type: 'image/jpeg' }), 'mine.jpg');
    return f;
  };
  const upload = await fetch(created.uploadURL!, { method: 'POST', body: form() });
  assert.equal(upload.status, 200, await upload.clone().text());
  const body = (await upload.json()) as CfEnvelope;
  assert.equal(body.success, true);
  assert.equal(body.result.id, created.id);
  assert.equal(body.result.draft, undefined);

  const ready = await h.client.images.v1.get(created.id!, { account_id });
  assert.equal((ready as { draft?: boolean }).draft, undefined);
  assert.equal(ready.filename, 'mine.jpg');
  const served = await get(ready.variants![0]!, { accept: 'image/jpeg' });
  assert.equal(served.status, 200);
  assert.deepEqual(await dimensions(served.body), { width: 160, height: 100, format: 'jpeg' });
  await assertSimilar(served.body, small);

  const again = await fetch(created.uploadURL!, { method: 'POST', body: form() });
  assert.equal(again.status, 400);
  assert.equal(((await again.json()) as CfEnvelope).success, false);

  // A non-image to a fresh URL is refused and the URL stays usable.
  const other = await h.client.images.v2.directUploads.create({ account_id });
  const txt = new FormData();
  txt.set('file', new Blob(['plain text'], { type: 'text/plain' }), 'a.txt');
  assert.equal((await fetch(other.uploadURL!, { method: 'POST', body: txt })).status, 415);
  assert.equal((await fetch(other.uploadURL!, { method: 'POST', body: form() })).status, 200);

  const badExpiry = await h.client.images.v2.directUploads
    .create({ account_id, expiry: new Date(Date.now() + 10_000).toISOString() })
    .catch((e: unknown) => e);
  assert.ok(badExpiry instanceof Cloudflare.BadRequestError);
  const unknown = await fetch(`${h.kiln.url}/cdn/images-upload/${h.account.imagesHash}/nope`, {
    method: 'POST',
    body: form(),
  });
  assert.equal(unknown.status, 404);
});

test('an expired direct upload URL is refused', async () => {
  const account_id = h.account.id;
  const created = await h.client.images.v2.directUploads.create({
    account_id,
    expiry: new Date(Date.now() + 2 * 60 * 1000).toISOString(),
  });
  // Move the clock of this draft: its expiry lives in the asset row.
  const runtime = h.kiln.server.runtime;
  const asset = await runtime.assets.get(account_id, created.id!);
  await runtime.assets.update(account_id, asset.id, {
    extra: { ...asset.extra, uploadExpiresAt: new Date(Date.now() - 1000).toISOString() },
  });
  const f = new FormData();
  f.set('file', new Blob([new Uint8Array(small)], { type: 'image/jpeg' }), 'late.jpg');
  const res = await fetch(created.uploadURL!, { method: 'POST', body: f });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as CfEnvelope).errors[0].message, /expired/);
});

test('stats count images against the allowance, which is enforced', async () => {
  const limited = await startImages();
  try {
    const account_id = limited.account.id;
    await limited.kiln.server.runtime.accounts.updateSettings(account_id, { imagesAllowed: 2 });
    const empty = await limited.client.images.v1.stats.get({ account_id });
    assert.deepEqual(empty, { count: { allowed: 2, current: 0 } });
    await limited.client.images.v1.create({ account_id, file: await jpegFile(small) });
    await limited.client.images.v2.directUploads.create({ account_id });
    assert.deepEqual(await limited.client.images.v1.stats.get({ account_id }), {
      count: { allowed: 2, current: 2 },
    });
    const over = await limited.client.images.v1
      .create({ account_id, file: await jpegFile(small) })
      .catch((e: unknown) => e);
    assert.ok(over instanceof Cloudflare.PermissionDeniedError, String(over));
    const overDraft = await limited.client.images.v2.directUploads
      .create({ account_id })
      .catch((e: unknown) => e);
    assert.ok(overDraft instanceof Cloudflare.PermissionDeniedError);
  } finally {
    await limited.close();
  }
});
