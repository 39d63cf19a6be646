import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AccountCredentials } from '../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// One limit on failed authentication in front of every dialect (issue 15 item 8): wrong tokens,
// keys, JWTs and forged links through Kiln, Cloudflare, Uploadcare and getstream all count toward
// it, per client address and per account; past it each dialect answers 429 in its own envelope
// with Retry-After. Addresses come from X-Forwarded-For (the test client is a trusted loopback proxy).

let kiln: TestKiln;
let alice: AccountCredentials;
let bob: AccountCredentials;
/** The account the Cloudflare and getstream failures name: each test its own, so counts stay apart. */
let target: AccountCredentials;
let fileLink: string;

before(async () => {
  kiln = await startKiln({
    env: {
      KILN_AUTH_FAILURES_PER_IP: '8',
      // A day-long window: a test never straddles two windows.
      KILN_AUTH_FAILURE_WINDOW_SECONDS: '86400',
      KILN_AUTH_FAILURES_PER_ACCOUNT: '5',
      KILN_RATE_LIMIT_IP_PER_MINUTE: '0',
      KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
    },
  });
  alice = await kiln.createAccount('alice');
  bob = await kiln.createAccount('bob');
  const res = await fetch(`${kiln.url}/kiln/v1/assets?name=a.txt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.apiToken}`, 'content-type': 'text/plain' },
    body: 'hello',
  });
  fileLink = ((await res.json()) as { url: string }).url;
});
after(() => kiln.close());

let nextIp = 1;
/** A fresh client address per test, so tests do not share counts. */
const newIp = () => `198.51.100.${nextIp++}`;

type Failure = (ip: string) => Promise<Response>;
const from = (ip: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...headers });

/** One failed authentication through each dialect, and what each answers before the limit. */
const FAILURES: Array<{ name: string; status: number; send: Failure }> = [
  {
    name: 'Kiln API bearer token',
    status: 401,
    send: (ip) =>
      fetch(`${kiln.url}/kiln/v1/assets`, { headers: from(ip, { authorization: 'Bearer nope' }) }),
  },
  {
    name: 'Cloudflare bearer token',
    status: 401,
    send: (ip) =>
      fetch(`${kiln.url}/client/v4/accounts/${target.id}/stream`, {
        headers: from(ip, { authorization: 'Bearer nope' }),
      }),
  },
  {
    name: 'Uploadcare public key',
    status: 403,
    send: (ip) =>
      fetch(`${kiln.url}/uploadcare/info/?pub_key=nope&file_id=${randomUUID()}`, { headers: from(ip) }),
  },
  {
    name: 'getstream JWT',
    status: 403,
    send: (ip) =>
      fetch(`${kiln.url}/api/v1.0/files/?api_key=${target.stream.apiKey}`, {
        method: 'DELETE',
        headers: from(ip, { 'stream-auth-type': 'jwt', authorization: 'e30.e30.bad' }),
      }),
  },
  {
    name: 'forged Kiln signed link',
    status: 403,
    send: (ip) => fetch(fileLink.replace(/sig=[^&]+/, 'sig=AAAA'), { headers: from(ip) }),
  },
];

test('each dialect refuses a bad credential as before, and each refusal counts', async () => {
  target = await kiln.createAccount('carol');
  for (const f of FAILURES) {
    const res = await f.send(newIp());
    assert.equal(res.status, f.status, f.name);
  }
});

test('failures through every dialect count toward one limit per address; past it each dialect answers 429 with Retry-After in its envelope', async () => {
  const ip = newIp();
  target = await kiln.createAccount('dave');
  // 8 allowed: the five dialects, then three more.
  for (const f of [...FAILURES, ...FAILURES.slice(0, 3)])
    assert.equal((await f.send(ip)).status, f.status, f.name);
  const kilnApi = await FAILURES[0]!.send(ip);
  assert.equal(kilnApi.status, 429);
  assert.ok(Number(kilnApi.headers.get('retry-after')) >= 1);
  assert.equal(((await kilnApi.json()) as { error: { code: string } }).error.code, 'rate_limited');

  const cf = await FAILURES[1]!.send(ip);
  assert.equal(cf.status, 429);
  const cfBody = (await cf.json()) as { success: boolean };
  assert.equal(cfBody.success, false);
  assert.ok(Number(cf.headers.get('retry-after')) >= 1);

  const uc = await FAILURES[2]!.send(ip);
  assert.equal(uc.status, 429);
  assert.match(await uc.text(), /RequestThrottledError|throttled/i);

  const gs = await FAILURES[3]!.send(ip);
  assert.equal(gs.status, 429);
  assert.equal(((await gs.json()) as { exception: string }).exception, 'RateLimitReached');

  // The address is blocked: even its correct credentials wait for the window to end.
  const right = await fetch(`${kiln.url}/kiln/v1/assets`, {
    headers: from(ip, { authorization: `Bearer ${alice.apiToken}` }),
  });
  assert.equal(right.status, 429);
  // Other addresses are not affected.
  const other = await fetch(`${kiln.url}/kiln/v1/assets`, {
    headers: from(newIp(), { authorization: `Bearer ${alice.apiToken}` }),
  });
  assert.equal(other.status, 200);
});

test('successful requests do not count', async () => {
  const ip = newIp();
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${kiln.url}/kiln/v1/assets`, {
      headers: from(ip, { authorization: `Bearer ${alice.apiToken}` }),
    });
    assert.equal(res.status, 200);
    assert.equal((await fetch(fileLink, { headers: from(ip) })).status, 200);
  }
  for (let i = 0; i < 8; i++) assert.equal((await FAILURES[0]!.send(ip)).status, 401);
  assert.equal((await FAILURES[0]!.send(ip)).status, 429);
});

test('failures against one account from many addresses count toward that account', async () => {
  const cf = (ip: string, account: AccountCredentials, token: string) =>
    fetch(`${kiln.url}/client/v4/accounts/${account.id}/stream`, {
      headers: from(ip, { authorization: `Bearer ${token}` }),
    });
  // Five failures naming Alice's account, each from its own address (the per-account limit is 5).
  for (let i = 0; i < 5; i++) assert.equal((await cf(newIp(), alice, 'wrong')).status, 401);
  const sixth = await cf(newIp(), alice, 'wrong');
  assert.equal(sixth.status, 429);
  assert.ok(Number(sixth.headers.get('retry-after')) >= 1);
  // Bob's account is not affected.
  assert.equal((await cf(newIp(), bob, 'wrong')).status, 401);
  assert.equal((await cf(newIp(), bob, bob.apiToken)).status, 200);
});
