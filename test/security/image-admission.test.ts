import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uploadFile } from '@uploadcare/upload-client';
import sharp from 'sharp';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// Transform work used to be admitted by count: 50 misses of one huge PNG ran 2 x cores at once and
// took RSS from 120 MB to 920 MB. Now it is admitted by estimated memory against a budget: at most
// what fits runs, the rest waits (or gets 503), and one transform over the whole budget is refused.
const BUDGET_MB = 250;
let kiln: TestKiln;
let account: AccountCredentials;

before(async () => {
  kiln = await startKiln({
    env: {
      KILN_IMAGE_MEMORY_BUDGET_MB: String(BUDGET_MB),
      KILN_IMAGE_CONCURRENCY: '16',
      KILN_IMAGE_QUEUE_SIZE: '100',
    },
  });
  account = await kiln.createAccount();
});
after(() => kiln.close());

const sdk = () => ({
  publicKey: account.uploadcare.publicKey,
  baseURL: `${kiln.url}/uploadcare`,
  baseCDN: kiln.url,
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${kiln.url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

test('many concurrent misses of a big PNG are admitted by cost: the admitted memory stays within the budget', async () => {
  // 8000x8000 RGB: about 192 MB decoded, so one such transform fits the 250 MB budget at a time.
  const big = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#48c' } })
    .png()
    .toBuffer();
  const file = await uploadFile(big, { ...sdk(), fileName: 'big.png' });
  const misses = 12;
  const answers = await Promise.all(
    Array.from({ length: misses }, (_, i) =>
      fetch(`${kiln.url}/${file.uuid}/-/resize/${100 + i}x/-/format/jpeg/`),
    ),
  );
  for (const res of answers) {
    assert.ok(res.status === 200 || res.status === 503, `status ${res.status}`);
    if (res.status === 503) assert.ok(Number(res.headers.get('retry-after')) >= 1);
    await res.arrayBuffer();
  }
  assert.ok(answers.some((r) => r.status === 200));
  const budget = await metric('kiln_image_memory_budget_bytes');
  assert.equal(budget, BUDGET_MB * 1024 * 1024);
  const peak = await metric('kiln_image_admitted_cost_peak_bytes');
  assert.ok(peak > 100 * 1024 * 1024, `peak admitted ${peak}`);
  assert.ok(peak <= budget, `peak admitted ${peak} over the budget ${budget}`);
  // Concurrency adapted: 16 were allowed by count, the cost let one run at a time.
  assert.equal(await metric('kiln_image_transforms_peak_active'), 1);
  assert.equal(await metric('kiln_image_admitted_cost_bytes'), 0);
});

test('a transform whose estimate alone exceeds the budget is refused with 4xx, without decoding', async () => {
  // 10000x9000 RGBA (90 MP, under the pixel limit): about 360 MB decoded, over the 250 MB budget.
  const huge = await sharp({ create: { width: 10000, height: 9000, channels: 4, background: '#c84a' } })
    .png()
    .toBuffer();
  const file = await uploadFile(huge, { ...sdk(), fileName: 'huge.png' });
  const renders = kiln.server.runtime.images.renders;
  const res = await fetch(`${kiln.url}/${file.uuid}/-/resize/200x/`);
  assert.equal(res.status, 403);
  assert.match(await res.text(), /too large to process/);
  assert.equal(kiln.server.runtime.images.renders, renders, 'nothing was decoded');
  assert.equal(await metric('kiln_image_transforms_refused_total\\{reason="too_costly"\\}'), 1);
  // The same refusal in Kiln's own API envelope.
  const own = await fetch(`${kiln.url}/kiln/v1/assets/${file.uuid}/image?options=width=200`, {
    headers: { authorization: `Bearer ${account.apiToken}` },
  });
  assert.equal(own.status, 403);
  assert.equal(((await own.json()) as { error: { code: string } }).error.code, 'limit_exceeded');
});
