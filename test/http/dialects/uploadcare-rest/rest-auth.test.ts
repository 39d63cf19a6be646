import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isRestClientError, listOfFiles, UploadcareSimpleAuthSchema } from '@uploadcare/rest-client';
import { uploadFile } from '@uploadcare/upload-client';
import { ACCEPT, type RestHarness, startRest } from './rest-harness.js';

let h: RestHarness;
before(async () => {
  h = await startRest();
});
after(() => h?.kiln.close());

const sign = (
  secret: string,
  method: string,
  uri: string,
  date: string,
  body = '',
  type = 'application/json',
) =>
  createHmac('sha1', secret)
    .update([method, createHash('md5').update(body).digest('hex'), type, date, uri].join('\n'))
    .digest('hex');

async function call(path: string, headers: Record<string, string>, method = 'GET', body?: string) {
  const res = await fetch(`${h.kiln.url}${path}`, { method, headers, body });
  return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as any, res };
}

test('both schemes through the official client, at the root and under /uploadcare/rest/', async () => {
  const signed = await listOfFiles({}, h.signed);
  assert.deepEqual([signed.total, signed.results], [0, []]);
  const simple = await listOfFiles({ limit: 5 }, h.simple);
  assert.equal(simple.perPage, 5);

  const { publicKey, secretKey } = h.account.uploadcare;
  const date = new Date().toUTCString();
  const uri = '/uploadcare/rest/project/';
  const prefixed = await call(uri, {
    accept: ACCEPT,
    'content-type': 'application/json',
    date,
    authorization: `Uploadcare ${publicKey}:${sign(secretKey, 'GET', uri, date)}`,
  });
  assert.equal(prefixed.status, 200);
  assert.equal(prefixed.type, ACCEPT);
  assert.deepEqual(prefixed.json, {
    name: h.account.name,
    pub_key: publicKey,
    autostore_enabled: true,
    collaborators: [],
  });
});

test('refusals: bad secret, unknown key, bad, expired and replayed signatures, no version', async () => {
  const { publicKey, secretKey } = h.account.uploadcare;
  const date = new Date().toUTCString();
  const base = { accept: ACCEPT, 'content-type': 'application/json' };

  const wrongSecret = await call('/files/', {
    ...base,
    authorization: `Uploadcare.Simple ${publicKey}:nope`,
  });
  assert.deepEqual(
    [wrongSecret.status, wrongSecret.json],
    [401, { detail: 'Incorrect authentication credentials.' }],
  );
  const unknown = await call('/files/', { ...base, authorization: 'Uploadcare.Simple nobody:x' });
  assert.deepEqual([unknown.status, unknown.json], [401, { detail: 'Public key nobody not found.' }]);

  const good = sign(secretKey, 'GET', '/files/?limit=1', date);
  const ok = await call('/files/?limit=1', {
    ...base,
    date,
    authorization: `Uploadcare ${publicKey}:${good}`,
  });
  assert.equal(ok.status, 200);
  // The same signature replayed onto another URI, method or body does not verify.
  for (const [path, method] of [
    ['/files/?limit=2', 'GET'],
    ['/project/', 'GET'],
  ] as const) {
    const replay = await call(
      path,
      { ...base, date, authorization: `Uploadcare ${publicKey}:${good}` },
      method,
    );
    assert.deepEqual(
      [replay.status, replay.json],
      [401, { detail: 'Invalid signature. Please check your Secret key.' }],
    );
  }
  const bodySwap = await call(
    '/files/storage/',
    {
      ...base,
      date,
      authorization: `Uploadcare ${publicKey}:${sign(secretKey, 'PUT', '/files/storage/', date, '[]')}`,
    },
    'PUT',
    '["00000000-0000-4000-8000-000000000000"]',
  );
  assert.equal(bodySwap.status, 401);
  const wrongKey = sign('not-the-secret', 'GET', '/files/', date);
  assert.equal(
    (await call('/files/', { ...base, date, authorization: `Uploadcare ${publicKey}:${wrongKey}` })).status,
    401,
  );

  // A signature made 20 minutes ago (or a request replayed that late) is refused.
  const old = new Date(Date.now() - 20 * 60_000).toUTCString();
  const expired = await call('/files/', {
    ...base,
    date: old,
    authorization: `Uploadcare ${publicKey}:${sign(secretKey, 'GET', '/files/', old)}`,
  });
  assert.equal(expired.status, 401);
  assert.match(expired.json.detail, /15 minutes/);
  const noDate = await call('/files/', { ...base, authorization: `Uploadcare ${publicKey}:${good}` });
  assert.equal(noDate.status, 401);

  const noAccept = await call('/files/', {
    'content-type': 'application/json',
    authorization: `Uploadcare.Simple ${publicKey}:${secretKey}`,
  });
  assert.equal(noAccept.status, 406);
  assert.match(noAccept.json.detail, /Incorrect Accept header/);

  // Through the client: a RestClientError carrying the detail.
  await assert.rejects(
    listOfFiles(
      {},
      { ...h.simple, authSchema: new UploadcareSimpleAuthSchema({ publicKey, secretKey: 'x' }) },
    ),
    (err) => isRestClientError(err) && err.message.includes('Incorrect authentication credentials.'),
  );
});

test("Kiln's own /files/<id>/<name> links and the CDN are untouched by the REST mount", async () => {
  const file = await uploadFile(Buffer.from('root routing'), { ...h.upload, fileName: 'r.txt' });
  const cdn = await fetch(file.cdnUrl);
  assert.equal(await cdn.text(), 'root routing');
  // Without the REST authorization, /files/... is Kiln's signed-link route (an unsigned link is refused there).
  const kilnLink = await fetch(`${h.kiln.url}/files/${file.uuid}/r.txt`);
  assert.notEqual(kilnLink.headers.get('content-type'), ACCEPT);
  // An unknown REST path answers in the API's shape.
  const { publicKey, secretKey } = h.account.uploadcare;
  const missing = await call('/files/nope/zzz/', {
    accept: ACCEPT,
    authorization: `Uploadcare.Simple ${publicKey}:${secretKey}`,
  });
  assert.deepEqual([missing.status, missing.json], [404, { detail: 'Not found.' }]);
});

test('throttling: 429 with Retry-After, which the client waits out and retries', async () => {
  const creds = await h.kiln.createAccount();
  await h.kiln.server.runtime.accounts.updateSettings(creds.id, { restRequestsPerSecond: 1 });
  const auth = `Uploadcare.Simple ${creds.uploadcare.publicKey}:${creds.uploadcare.secretKey}`;
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await call('/project/', { accept: ACCEPT, authorization: auth });
    statuses.push(r.status);
    if (r.status === 429) {
      retryAfter = r.res.headers.get('retry-after');
      assert.match(r.json.detail, /^Request was throttled\. Expected available in \d+ seconds?\.$/);
    }
  }
  assert.ok(statuses.includes(429), String(statuses));
  assert.ok(Number(retryAfter) >= 1);
  const list = await listOfFiles(
    {},
    {
      apiBaseURL: h.kiln.url,
      authSchema: new UploadcareSimpleAuthSchema({
        publicKey: creds.uploadcare.publicKey,
        secretKey: creds.uploadcare.secretKey,
      }),
    },
  );
  assert.equal(list.total, 0);
});
