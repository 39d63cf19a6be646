import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/start-kiln.js';

// The failed-authentication limit is one count for the whole deployment (issue 15 item 8): two
// Kiln nodes on one database (PostgreSQL in the scale-out run, one SQLite file otherwise) add to
// the same counter, so splitting guesses across nodes gains nothing.
let first: TestKiln;
let second: TestKiln;

before(async () => {
  first = await startKiln({
    env: { KILN_AUTH_FAILURES_PER_IP: '6', KILN_AUTH_FAILURE_WINDOW_SECONDS: '86400' },
  });
  second = await startKiln({ sharedWith: first });
});
after(async () => {
  await second?.close();
  await first?.close();
});

const guess = (node: TestKiln, ip: string) =>
  fetch(`${node.url}/kiln/v1/assets`, {
    headers: { authorization: 'Bearer wrong', 'x-forwarded-for': ip },
  });

test('failures on two nodes add up to one limit; both nodes then refuse that address', async () => {
  const ip = '203.0.113.7';
  for (let i = 0; i < 3; i++) {
    assert.equal((await guess(first, ip)).status, 401);
    assert.equal((await guess(second, ip)).status, 401);
  }
  // Six failures in all, three on each node: the seventh is refused on either node.
  const onFirst = await guess(first, ip);
  assert.equal(onFirst.status, 429);
  assert.ok(Number(onFirst.headers.get('retry-after')) >= 1);
  assert.equal((await guess(second, ip)).status, 429);
  // Another address still gets the plain answer on both.
  assert.equal((await guess(first, '203.0.113.8')).status, 401);
  assert.equal((await guess(second, '203.0.113.8')).status, 401);
});
