import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { type StartKilnOptions, startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { FIXTURES_DIR } from '../../../support/test-images.js';

/** A Kiln with one Uploadcare project, and the SDK options that point the official client at it. */
export interface UcHarness {
  kiln: TestKiln;
  account: AccountCredentials;
  /** Only baseURL, baseCDN and the key change from a stock SDK setup. */
  sdk: { publicKey: string; baseURL: string; baseCDN: string };
  api: string;
}

export async function startUc(options: StartKilnOptions = {}): Promise<UcHarness> {
  const kiln = await startKiln(options);
  const account = await kiln.createAccount();
  return {
    kiln,
    account,
    sdk: { publicKey: account.uploadcare.publicKey, baseURL: `${kiln.url}/uploadcare`, baseCDN: kiln.url },
    api: `${kiln.url}/uploadcare`,
  };
}

/** A small real photo (the shared fixture scaled to 640 wide), so tests stay quick. */
let photo: Buffer | undefined;
export async function smallPhoto(): Promise<Buffer> {
  photo ??= await sharp(readFileSync(join(FIXTURES_DIR, 'cups-2560x1600.jpg')))
    .resize(640)
    .jpeg({ quality: 85 })
    .toBuffer();
  return photo;
}

export async function fetchBytes(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** A raw Upload API call with `jsonerrors=1`, as the SDK makes it; returns the parsed body. */
export async function ucCall(api: string, path: string, fields: Record<string, string>, method = 'POST') {
  const url = new URL(`${api}${path}`);
  url.searchParams.set('jsonerrors', '1');
  let body: FormData | undefined;
  if (method === 'GET') for (const [k, v] of Object.entries(fields)) url.searchParams.append(k, v);
  else {
    body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
  }
  const res = await fetch(url, { method, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}
