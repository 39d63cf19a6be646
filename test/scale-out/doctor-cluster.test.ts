import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type KilnCluster, kilnCli, startKilnCluster } from '../support/kiln-cluster.js';

// `kiln doctor` against the scale-out backends: PostgreSQL (the cluster's schema) and the S3
// protocol server, with an API node on loopback as the public URL.
let cluster: KilnCluster;

before(async () => {
  cluster = await startKilnCluster({ apis: 1, workers: 0 });
});
after(async () => {
  await cluster?.close();
});

test('kiln doctor checks PostgreSQL (reachable, migrated) and S3 (write/read/delete, multipart with ListParts)', async () => {
  const env = { ...cluster.env, KILN_PUBLIC_URL: cluster.apis[0]!.url!, PATH: process.env.PATH ?? '' };
  const stdout = await kilnCli(['doctor'], env);
  assert.match(stdout, /^ok {4}database +postgres at postgres:\/\/.*reachable, migrated \(\d{4}-/m);
  assert.match(stdout, /^ok {4}storage +s3 at s3:\/\/.*write, read, delete/m);
  assert.match(stdout, /^ok {4}storage multipart +create, upload part, list parts, abort/m);
  assert.match(stdout, /^ok {4}public url/m);
  assert.match(stdout, /ready: every check passed/);
  // Credentials in the storage URL stay out of the report (it gets pasted into issues).
  const secret = new URL(cluster.env.KILN_STORAGE_URL!).searchParams.get('secretAccessKey');
  if (secret) assert.ok(!stdout.includes(secret));
  // The probe blob and the probe multipart upload are gone.
  assert.deepEqual(await cluster.objectKeys('kiln-doctor'), []);
  assert.deepEqual(await cluster.openUploads(), []);
});

test('kiln doctor: S3 that does not answer is a FAIL naming the storage settings, exit 1', async () => {
  const env = {
    ...cluster.env,
    KILN_STORAGE_URL: cluster.storageUrlVia(9),
    KILN_PUBLIC_URL: cluster.apis[0]!.url!,
    PATH: process.env.PATH ?? '',
  };
  await assert.rejects(kilnCli(['doctor'], env), (err: { code: number; stdout: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stdout, /^FAIL {2}storage +s3 at /m);
    assert.match(err.stdout, /→ check KILN_STORAGE_URL/);
    return true;
  });
});
