import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { signedPath } from '../../src/core/signing/signed-link.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// Two accounts on one server: nothing of one is reachable with the other's credentials, and the
// signed links are bound to their path and expiry.
let kiln: TestKiln;
let alice: AccountCredentials;
let bob: AccountCredentials;
let asset: Record<string, any>;

before(async () => {
  kiln = await startKiln({
    env: { KILN_RATE_LIMIT_IP_PER_MINUTE: '0', KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0' },
  });
  alice = await kiln.createAccount('alice');
  bob = await kiln.createAccount('bob');
  asset = await upload(alice, randomBytes(500), 'private.bin');
});
after(() => kiln.close());

const as = (who: AccountCredentials) => ({ authorization: `Bearer ${who.apiToken}` });

async function upload(who: AccountCredentials, body: Buffer, name: string) {
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=${name}`, {
    method: 'POST',
    headers: { ...as(who), 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as Record<string, any>;
}

async function call(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${kiln.url}${path}`, { method, headers });
  return { status: res.status, body: await res.text() };
}

test('another account cannot read, list or delete an asset; the answer equals that for an id that does not exist', async () => {
  const theirs = await call('GET', `/kiln/v1/assets/${asset.id}`, as(bob));
  const nobody = await call('GET', `/kiln/v1/assets/${randomUUID()}`, as(bob));
  assert.equal(theirs.status, 404);
  assert.deepEqual(theirs, nobody, 'a foreign id must look exactly like a missing one');

  const list = JSON.parse((await call('GET', '/kiln/v1/assets?limit=1000', as(bob))).body);
  assert.equal(list.total, 0);
  assert.doesNotMatch(JSON.stringify(list), new RegExp(asset.id));
  const search = JSON.parse((await call('GET', `/kiln/v1/assets?search=${asset.id}`, as(bob))).body);
  assert.equal(search.total, 0);
  const usage = JSON.parse((await call('GET', '/kiln/v1/account', as(bob))).body);
  assert.equal(usage.storedBytes, 0);

  const del = await call('DELETE', `/kiln/v1/assets/${asset.id}`, as(bob));
  assert.deepEqual(del, await call('DELETE', `/kiln/v1/assets/${randomUUID()}`, as(bob)));
  assert.equal(del.status, 404);
  // Changing: the native API has no update route; any write method on an asset is refused as well.
  for (const method of ['PUT', 'PATCH', 'POST']) {
    assert.ok((await call(method, `/kiln/v1/assets/${asset.id}`, as(bob))).status >= 400);
  }
  assert.equal((await call('GET', `/kiln/v1/assets/${asset.id}`, as(alice))).status, 200);
});

test('missing, malformed, altered and revoked tokens are refused with 401', async () => {
  const path = `/kiln/v1/assets/${asset.id}`;
  assert.equal((await call('GET', path)).status, 401);
  assert.equal((await call('GET', path, { authorization: alice.apiToken })).status, 401);
  assert.equal((await call('GET', path, { authorization: `Basic ${alice.apiToken}` })).status, 401);
  const flipped = alice.apiToken.slice(0, -1) + (alice.apiToken.endsWith('A') ? 'B' : 'A');
  assert.equal((await call('GET', path, { authorization: `Bearer ${flipped}` })).status, 401);
  // Other credentials of the same account are not API tokens.
  for (const other of [alice.uploadcare.secretKey, alice.stream.apiSecret, alice.imagesHash, alice.id]) {
    assert.equal((await call('GET', path, { authorization: `Bearer ${other}` })).status, 401);
  }
  const carol = await kiln.createAccount('carol');
  assert.equal((await call('GET', '/kiln/v1/assets', as(carol))).status, 200);
  await kiln.server.runtime.accounts.delete(carol.id);
  assert.equal((await call('GET', '/kiln/v1/assets', as(carol))).status, 401);
});

test('signed links: expired, altered, moved to another path or stripped are refused; deleted assets are gone', async () => {
  const link = new URL(asset.url);
  const ok = await fetch(link);
  assert.equal(ok.status, 200);
  const key = kiln.server.runtime.linkKey;
  const path = link.pathname;
  const sig = link.searchParams.get('sig')!;
  const exp = link.searchParams.get('exp')!;
  const expect = async (url: string, status: number, code: string) => {
    const res = await fetch(`${kiln.url}${url}`);
    assert.equal(res.status, status, url);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code, url);
  };
  await expect(signedPath(path, Math.floor(Date.now() / 1000) - 5, key), 403, 'signature_expired');
  await expect(`${path}?exp=${Number(exp) + 1}&sig=${sig}`, 403, 'signature_invalid');
  const altered = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
  await expect(`${path}?exp=${exp}&sig=${altered}`, 403, 'signature_invalid');
  await expect(`${path}?exp=${exp}`, 403, 'signature_invalid');
  await expect(`${path}?exp=${exp}&sig=${sig}&sig=${sig}`, 403, 'signature_invalid');
  await expect(`${path.replace('private.bin', 'other.bin')}?exp=${exp}&sig=${sig}`, 403, 'signature_invalid');
  // A valid signature replayed onto another asset's path.
  const other = await upload(alice, randomBytes(10), 'private.bin');
  await expect(`/files/${other.id}/private.bin?exp=${exp}&sig=${sig}`, 403, 'signature_invalid');
  // A link signed by another server's key.
  await expect(signedPath(path, Number(exp), randomBytes(32)), 403, 'signature_invalid');

  assert.equal((await call('DELETE', `/kiln/v1/assets/${other.id}`, as(alice))).status, 204);
  const otherLink = new URL(other.url);
  assert.equal((await fetch(`${kiln.url}${otherLink.pathname}${otherLink.search}`)).status, 404);
});

test('ids cannot be enumerated: random UUIDs, and responses after creation carry no secrets', async () => {
  const ids = await Promise.all(
    [1, 2, 3].map(async () => (await upload(alice, randomBytes(8), 'x.bin')).id as string),
  );
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const secrets = [alice.apiToken, alice.uploadcare.secretKey, alice.stream.apiSecret];
  for (const path of [
    '/kiln/v1/assets',
    '/kiln/v1/account',
    `/kiln/v1/assets/${ids[0]}`,
    '/healthz',
    '/metrics',
  ]) {
    const { body } = await call('GET', path, as(alice));
    for (const s of secrets) assert.ok(!body.includes(s), `${path} leaks a secret`);
  }
});
