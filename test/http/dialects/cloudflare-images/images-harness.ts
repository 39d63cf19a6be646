import Cloudflare, { toFile } from 'cloudflare';
import sharp from 'sharp';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { type StartKilnOptions, startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { fixturePhoto } from '../../../support/test-images.js';

/** A fixture photo scaled to 800x500 (small enough to keep the suite fast, real enough to compare). */
export async function photo(name: 'cups' | 'path' = 'cups', width = 800): Promise<Buffer> {
  const original = fixturePhoto(name);
  return sharp(original).resize(width).jpeg({ quality: 90 }).toBuffer();
}

export interface ImagesHarness {
  kiln: TestKiln;
  account: AccountCredentials;
  client: Cloudflare;
  close(): Promise<void>;
}

export async function startImages(options: StartKilnOptions = {}): Promise<ImagesHarness> {
  const kiln = await startKiln({ ...options, env: { KILN_ALLOW_PRIVATE_FETCH: '1', ...options.env } });
  const account = await kiln.createAccount();
  const client = new Cloudflare({
    apiToken: account.apiToken,
    baseURL: `${kiln.url}/client/v4`,
    maxRetries: 0,
  });
  const close = async () => {
    // Every test request has finished here; a keep-alive socket the client still holds (Fastify's
    // 72 s keep-alive hint) would otherwise sometimes hold server.close() open for that long.
    kiln.server.app?.server.closeAllConnections();
    await kiln.close();
  };
  return { kiln, account, client, close };
}

export function jpegFile(bytes: Buffer, name = 'photo.jpg') {
  return toFile(bytes, name, { type: 'image/jpeg' });
}

/** GET a URL and return status, headers and body bytes. */
export async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

export async function dimensions(body: Buffer) {
  const m = await sharp(body).metadata();
  return { width: m.width, height: m.height, format: m.format };
}
