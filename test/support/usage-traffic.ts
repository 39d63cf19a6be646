import assert from 'node:assert/strict';
import { uploadFile } from '@uploadcare/upload-client';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { quadrantPng } from './test-images.js';

/** What driveUsageTraffic did, to compare with GET /kiln/v1/usage after a flush. */
export interface UsageExpectation {
  kilnAssetId: string;
  uploadcareAssetId: string;
  uploads: { kiln: number; uploadcare: number };
  uploadedBytes: { kiln: number; uploadcare: number };
  original: { requests: number; bytes: number };
  variant: { requests: number; bytes: number };
  transformHits: number;
  transformMisses: number;
}

/**
 * Known traffic for one account against one node (or two: `urls` are used in turn): an upload
 * through Kiln's API and one through the Uploadcare upload client, the Kiln upload delivered by its
 * signed link (3 GETs, a HEAD, a 10-byte range), and the Uploadcare image transformed through
 * Kiln's image route (width 20 twice: a miss then a hit; width 30: a miss).
 */
export async function driveUsageTraffic(
  urls: string[],
  account: AccountCredentials,
): Promise<UsageExpectation> {
  const at = (i: number) => urls[i % urls.length]!;
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const kilnBytes = Buffer.alloc(4321, 'k');
  const up = await fetch(`${at(0)}/kiln/v1/assets?name=usage.bin`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: kilnBytes,
  });
  assert.equal(up.status, 201);
  const kilnAsset = (await up.json()) as { id: string; url: string };
  const png = await quadrantPng(64, 48);
  const uc = await uploadFile(png, {
    publicKey: account.uploadcare.publicKey,
    baseURL: `${at(1)}/uploadcare`,
    baseCDN: at(1),
    fileName: 'usage.png',
  });

  const path = new URL(kilnAsset.url).pathname + new URL(kilnAsset.url).search;
  let originalBytes = 0;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${at(i)}${path}`);
    assert.equal(res.status, 200);
    originalBytes += (await res.arrayBuffer()).byteLength;
  }
  const head = await fetch(`${at(0)}${path}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  const range = await fetch(`${at(1)}${path}`, { headers: { range: 'bytes=0-9' } });
  assert.equal(range.status, 206);
  originalBytes += (await range.arrayBuffer()).byteLength;

  let variantBytes = 0;
  const cache: string[] = [];
  for (const [i, width] of [20, 20, 30].entries()) {
    const res = await fetch(`${at(i)}/kiln/v1/assets/${uc.uuid}/image?options=width=${width},format=png`, {
      headers: auth,
    });
    assert.equal(res.status, 200);
    cache.push(res.headers.get('kiln-cache') ?? '');
    variantBytes += (await res.arrayBuffer()).byteLength;
  }
  // Two nodes each have their own memory, but the variant cache is the shared store.
  assert.deepEqual(cache, ['miss', 'hit', 'miss']);
  return {
    kilnAssetId: kilnAsset.id,
    uploadcareAssetId: uc.uuid,
    uploads: { kiln: 1, uploadcare: 1 },
    uploadedBytes: { kiln: kilnBytes.length, uploadcare: png.length },
    original: { requests: 5, bytes: originalBytes },
    variant: { requests: 3, bytes: variantBytes },
    transformHits: 1,
    transformMisses: 2,
  };
}

export async function getUsage(url: string, account: AccountCredentials, query: string): Promise<any> {
  const res = await fetch(`${url}/kiln/v1/usage?${query}`, {
    headers: { authorization: `Bearer ${account.apiToken}` },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

export function total(report: any, metric: string): number {
  const series = report.series.find((s: any) => s.metric === metric);
  assert.ok(series, `no series ${metric}`);
  return series.total;
}

/** Checks every number of the expectation in one report (and its kind-filtered siblings). */
export async function assertUsage(
  url: string,
  account: AccountCredentials,
  e: UsageExpectation,
): Promise<void> {
  const all = await getUsage(url, account, '');
  assert.equal(total(all, 'uploads'), 2);
  assert.equal(total(all, 'uploaded_bytes'), e.uploadedBytes.kiln + e.uploadedBytes.uploadcare);
  assert.equal(total(all, 'transform_hits'), e.transformHits);
  assert.equal(total(all, 'transform_misses'), e.transformMisses);
  assert.ok(total(all, 'transform_render_ms') > 0);
  assert.equal(total(all, 'delivered_requests'), e.original.requests + e.variant.requests);
  assert.equal(total(all, 'delivered_bytes'), e.original.bytes + e.variant.bytes);
  for (const source of ['kiln', 'uploadcare'] as const) {
    const bySource = await getUsage(url, account, `kind=${source}&metric=uploads,uploaded_bytes`);
    assert.equal(total(bySource, 'uploads'), e.uploads[source]);
    assert.equal(total(bySource, 'uploaded_bytes'), e.uploadedBytes[source]);
  }
  for (const kind of ['original', 'variant'] as const) {
    const byKind = await getUsage(url, account, `kind=${kind}&metric=delivered_requests,delivered_bytes`);
    assert.equal(total(byKind, 'delivered_requests'), e[kind].requests);
    assert.equal(total(byKind, 'delivered_bytes'), e[kind].bytes);
  }
  const byAsset = await getUsage(url, account, `asset=${e.kilnAssetId}&metric=delivered_bytes`);
  assert.equal(total(byAsset, 'delivered_bytes'), e.original.bytes);
  assert.deepEqual(
    all.topAssets.map((a: any) => [a.assetId, a.requests, a.bytes]),
    [
      [e.kilnAssetId, e.original.requests, e.original.bytes],
      [e.uploadcareAssetId, e.variant.requests, e.variant.bytes],
    ].sort((a, b) => (b[2] as number) - (a[2] as number)),
  );
}
