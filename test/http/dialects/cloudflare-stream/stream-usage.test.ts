import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { getUsage, total } from '../../../support/usage-traffic.js';
import { type StreamHarness, startStream, waitSettled } from './stream-support.js';

// Video usage: a transcode counts its seconds and output minutes (duration × renditions), and
// minutes viewed are estimated from delivered video segments (2 s each, audio segments not), as
// Cloudflare estimates them.
let h: StreamHarness;
before(async () => {
  h = await startStream();
});
after(() => h.close());

test('transcoding work and minutes viewed per video, from segment deliveries', async () => {
  const { kiln, fx, client, accountId, apiToken } = h;
  const form = new FormData();
  form.append(
    'file',
    new Blob([new Uint8Array(await readFile(fx.withAudio))], { type: 'video/mp4' }),
    'v.mp4',
  );
  const res = await fetch(`${kiln.url}/client/v4/accounts/${accountId}/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}` },
    body: form,
  });
  const uid = ((await res.json()) as { result: { uid: string } }).result.uid;
  const v = await waitSettled(client, accountId, uid);
  assert.equal(v.status?.state, 'ready');
  const account = { apiToken } as Parameters<typeof getUsage>[1];

  const base = `${kiln.url}/stream/${uid}/manifest`;
  for (const file of [
    'video.m3u8',
    'chunk-0-00001.m4s',
    'chunk-0-00002.m4s',
    'chunk-1-00001.m4s',
    'chunk-2-00001.m4s',
  ]) {
    const got = await fetch(`${base}/${file}`);
    assert.equal(got.status, 200, file);
    await got.arrayBuffer();
  }
  await kiln.server.runtime.usage.meter.flush();

  const work = await getUsage(kiln.url, account, 'metric=transcode_seconds,transcode_output_minutes,uploads');
  assert.ok(total(work, 'transcode_seconds') > 0);
  // Two renditions (240p, 360p) of a 3-second video.
  assert.ok(Math.abs(total(work, 'transcode_output_minutes') - (2 * (v.duration ?? 0)) / 60) < 0.001);
  assert.equal(total(work, 'uploads'), 1);

  const viewed = await getUsage(kiln.url, account, `asset=${uid}&metric=minutes_viewed,delivered_requests`);
  // Three video segments of 2 s; the audio segment (representation 2) and the manifest add nothing.
  assert.equal(total(viewed, 'minutes_viewed'), 0.1);
  assert.equal(total(viewed, 'delivered_requests'), 5);
  const segments = await getUsage(kiln.url, account, `asset=${uid}&kind=segment&metric=delivered_requests`);
  assert.equal(total(segments, 'delivered_requests'), 4);
  const top = await getUsage(kiln.url, account, 'metric=minutes_viewed');
  assert.equal(top.topAssets[0].assetId, uid);
  assert.equal(top.topAssets[0].minutesViewed, 0.1);
});
