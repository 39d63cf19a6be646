import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFile } from '@uploadcare/upload-client';
import { connect } from 'getstream';
import sharp from 'sharp';
import type { Asset } from '../../src/core/assets/asset.js';
import { EVICT_VARIANTS_JOB } from '../../src/core/images/evict-variants.js';
import { variantPrefix } from '../../src/core/images/image-service.js';
import type { KilnRuntime } from '../../src/runtime/kiln-runtime.js';
import {
  get,
  type ImagesHarness,
  jpegFile,
  startImages,
} from '../http/dialects/cloudflare-images/images-harness.js';

// Anonymous transform URLs must not fill the disk: every distinct option set used to store a new
// variant with no cap. Here each image keeps at most CAP stored variants, whatever the URLs.
const CAP = 12;
let h: ImagesHarness;
let runtime: KilnRuntime;
let source: Buffer;

before(async () => {
  h = await startImages({
    env: {
      KILN_VARIANTS_PER_ASSET: String(CAP),
      KILN_VARIANT_EVICTION_DELAY_SECONDS: '1',
      KILN_VARIANT_USAGE_FLUSH_SECONDS: '1',
    },
  });
  runtime = h.kiln.server.runtime;
  source = await sharp({ create: { width: 400, height: 250, channels: 3, background: '#3a7' } })
    .composite([
      {
        input: Buffer.from(
          '<svg width="200" height="125"><circle cx="100" cy="62" r="50" fill="#c24"/></svg>',
        ),
      },
    ])
    .jpeg()
    .toBuffer();
  const patch = await fetch(`${h.kiln.url}/client/v4/accounts/${h.account.id}/images/v1/config`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${h.account.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ flexible_variants: true }),
  });
  assert.equal(patch.status, 200);
});
after(() => h.close());

const ucSdk = () => ({
  publicKey: h.account.uploadcare.publicKey,
  baseURL: `${h.kiln.url}/uploadcare`,
  baseCDN: h.kiln.url,
});

async function cloudflareImage(): Promise<string> {
  const image = await h.client.images.v1.create({ account_id: h.account.id, file: await jpegFile(source) });
  return `${h.kiln.url}/cdn/images/${h.account.imagesHash}/${image.id}`;
}

async function assetsOfAccount(): Promise<Asset[]> {
  const rows = await runtime.db
    .selectFrom('assets')
    .select('id')
    .where('account_id', '=', h.account.id)
    .execute();
  return Promise.all(rows.map((r) => runtime.assets.get(h.account.id, r.id)));
}

async function storedVariants(asset: Asset) {
  const row = await runtime.db
    .selectFrom('renditions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('asset_id', '=', asset.id)
    .where('kind', '=', 'variant')
    .where('size', '>', 0)
    .executeTakeFirstOrThrow();
  let blobs = 0;
  for await (const _ of runtime.blobs.list(variantPrefix(asset.blobKey!))) blobs++;
  return { rows: Number(row.n), blobs };
}

/** Waits until no eviction run is queued (delayed) or running. */
async function evictionSettled() {
  for (;;) {
    const depth = (await runtime.jobs.depth()).find((d) => d.kind === EVICT_VARIANTS_JOB);
    if (!depth || depth.queued + depth.active === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fetches every URL, 8 at a time; returns how many were rendered (Kiln-Cache: miss). */
async function inBatches(urls: string[], size = 8): Promise<number> {
  let misses = 0;
  for (let i = 0; i < urls.length; i += size) {
    const answers = await Promise.all(urls.slice(i, i + size).map((u) => get(u, { accept: 'image/jpeg' })));
    for (const [k, a] of answers.entries()) {
      assert.equal(a.status, 200, urls[i + k]);
      if (a.headers.get('kiln-cache') === 'miss') misses++;
    }
  }
  return misses;
}

test('300 distinct anonymous transform URLs per image, through Cloudflare and Uploadcare, leave at most the cap stored', async () => {
  const base = await cloudflareImage();
  const path = new URL(base).pathname;
  const cf: string[] = [];
  for (let i = 0; i < 150; i++) cf.push(`${base}/w=${20 + i},fit=scale-down`);
  for (let i = 0; i < 150; i++)
    cf.push(`${h.kiln.url}/cdn-cgi/image/width=${30 + i},quality=${50 + (i % 40)}${path}/public`);
  const uc = await uploadFile(source, { ...ucSdk(), fileName: 'a.jpg' });
  const ucUrls: string[] = [];
  for (let i = 0; i < 300; i++) ucUrls.push(`${h.kiln.url}/${uc.uuid}/-/resize/${20 + i}x/`);
  const misses = (await inBatches(cf)) + (await inBatches(ucUrls));
  assert.ok(misses >= 590, `renders: ${misses}`);
  await evictionSettled();
  // What was stored and what eviction removed, by the server's own counters (a spelling that shares
  // another's canonical plan, or a render shared by two requests, stores nothing new).
  const counters = await (await fetch(`${h.kiln.url}/metrics`)).text();
  const count = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(counters)?.[1]);
  const storedTotal = count('kiln_image_variants_stored_total');
  const evicted = count('kiln_image_variants_evicted_total');
  assert.ok(storedTotal >= 590, `stored ${storedTotal}`);

  const assets = await assetsOfAccount();
  assert.equal(assets.length, 2);
  let kept = 0;
  for (const asset of assets) {
    const stored = await storedVariants(asset);
    kept += stored.rows;
    assert.ok(stored.rows <= CAP, `${asset.source}: ${stored.rows} variant rows, cap ${CAP}`);
    assert.ok(stored.blobs <= CAP, `${asset.source}: ${stored.blobs} variant blobs, cap ${CAP}`);
  }
  // The newest are the ones kept, and they still serve (from the cache).
  const last = await get(ucUrls.at(-1)!, { accept: 'image/jpeg' });
  assert.equal(last.status, 200);
  assert.equal(last.headers.get('kiln-cache'), 'hit');
  // Evicted ones render again on demand.
  const first = await get(ucUrls[0]!, { accept: 'image/jpeg' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('kiln-cache'), 'miss');
  // Every stored variant beyond what is kept was evicted.
  assert.equal(evicted, storedTotal - kept, `evicted ${evicted} of ${storedTotal} stored, ${kept} kept`);
  assert.match(counters, /^kiln_image_variant_bytes \d+/m);
});

test('widths above the source with scale-down map to one stored variant', async () => {
  const base = await cloudflareImage();
  const urls = [
    `${base}/w=400,fit=scale-down`,
    `${base}/w=401,fit=scale-down`,
    `${base}/w=1000,fit=scale-down`,
    `${base}/w=2000,h=2000,fit=scale-down`,
    `${base}/width=3000,fit=scale-down,quality=85`,
  ];
  const answers = [];
  for (const url of urls) answers.push(await get(url, { accept: 'image/jpeg' }));
  assert.deepEqual(
    answers.map((a) => a.headers.get('kiln-cache')),
    ['miss', 'hit', 'hit', 'hit', 'hit'],
  );
  for (const a of answers)
    assert.deepEqual(
      await sharp(a.body)
        .metadata()
        .then((m) => [m.width, m.height]),
      [400, 250],
    );
  // Uploadcare: a resize to the source's own size changes nothing either.
  const uc = await uploadFile(source, { ...ucSdk(), fileName: 'b.jpg' });
  const once = await get(`${h.kiln.url}/${uc.uuid}/-/resize/400x/-/format/jpeg/`);
  const same = await get(`${h.kiln.url}/${uc.uuid}/-/resize/400x250/-/format/jpeg/`);
  assert.equal(once.headers.get('kiln-cache'), 'miss');
  assert.equal(same.headers.get('kiln-cache'), 'hit');
});

test('variant bytes count in the account usage', async () => {
  const usage = async () => {
    const res = await fetch(`${h.kiln.url}/kiln/v1/account`, {
      headers: { authorization: `Bearer ${h.account.apiToken}` },
    });
    return ((await res.json()) as { storedBytes: number }).storedBytes;
  };
  await evictionSettled();
  const uc = await uploadFile(source, { ...ucSdk(), fileName: 'c.jpg' });
  const before = await usage();
  const variant = await get(`${h.kiln.url}/${uc.uuid}/-/resize/123x/-/format/png/`);
  assert.equal(variant.headers.get('kiln-cache'), 'miss');
  assert.equal((await usage()) - before, variant.body.length);
});

test('getstream processed images: over the cap their bytes are evicted, and their links render them again', async () => {
  const options = { urlOverride: { api: `${h.kiln.url}/api/` } };
  const server = connect(h.account.stream.apiKey, h.account.stream.apiSecret, undefined, options);
  const alice = connect(h.account.stream.apiKey, server.createUserToken('alice'), undefined, options);
  const img = (await alice.images.upload(source, 'g.jpg')).file;
  const links: string[] = [];
  for (let i = 0; i < CAP + 8; i++) links.push((await alice.images.process(img, { w: 20 + i })).file);
  await evictionSettled();
  const asset = (await assetsOfAccount()).find((a) => a.source === 'getstream')!;
  const stored = await storedVariants(asset);
  assert.ok(stored.rows <= CAP, `${stored.rows} stored getstream variants, cap ${CAP}`);
  assert.ok(stored.blobs <= CAP, `${stored.blobs} getstream variant blobs, cap ${CAP}`);
  for (const [i, link] of links.entries()) {
    const res = await get(link);
    assert.equal(res.status, 200, link);
    assert.equal((await sharp(res.body).metadata()).width, 20 + i);
  }
});
