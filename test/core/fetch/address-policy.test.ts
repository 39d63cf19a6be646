import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPublicAddress } from '../../../src/core/fetch/address-policy.js';
import { checkFetchUrl, parseFetchUrl } from '../../../src/core/fetch/check-url.js';
import { fetchReasonOf } from '../../../src/core/fetch/fetch-error.js';

// Address-level checks only: no test here opens a connection.

test('private, loopback, link-local, metadata and reserved addresses are not public', () => {
  for (const a of [
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '198.51.100.1',
    '203.0.113.9',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    '2001:db8::1',
    'not-an-ip',
  ]) {
    assert.equal(isPublicAddress(a), false, a);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isPublicAddress(a), true, a);
  }
});

const noDns = async () => {
  throw new Error('resolver must not be called');
};

async function reason(url: string, resolver: (h: string) => Promise<string[]> = noDns, allowPrivate = false) {
  try {
    await checkFetchUrl(parseFetchUrl(url), { allowPrivate, resolver });
    return 'ok';
  } catch (err) {
    return fetchReasonOf(err) ?? String(err);
  }
}

test('literal IPs in every spelling are refused: dotted, decimal, hex, octal, short, IPv6, mapped', async () => {
  for (const url of [
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    'http://10.1.2.3:8080/',
    'https://[fe80::1]/',
    'http://0/',
    'http://[::]/',
    'http://3232235777/',
  ]) {
    assert.equal(await reason(url), 'private_ip', url);
  }
});

test('names that resolve to a private address are refused (stubbed resolver, no connection)', async () => {
  const resolver = async (h: string) =>
    ({
      'evil.example': ['10.0.0.5'],
      'mixed.example': ['8.8.8.8', '127.0.0.1'],
      'meta.example': ['169.254.169.254'],
      'v6.example': ['fd00::1'],
    })[h] ?? [];
  assert.equal(await reason('http://evil.example/a.jpg', resolver), 'private_ip');
  assert.equal(await reason('http://mixed.example/a.jpg', resolver), 'private_ip');
  assert.equal(await reason('http://meta.example/', resolver), 'private_ip');
  assert.equal(await reason('http://v6.example/', resolver), 'private_ip');
  assert.equal(await reason('http://nowhere.example/', resolver), 'host_not_found');
  assert.equal(await reason('http://public.example/', async () => ['93.184.216.34']), 'ok');
  assert.equal(await reason('http://evil.example/', resolver, true), 'ok');
});

test('malformed URLs get the reason Uploadcare names', async () => {
  assert.equal(await reason(''), 'url_invalid');
  assert.equal(await reason('example.com/a.jpg'), 'scheme_required');
  assert.equal(await reason('ftp://example.com/a'), 'scheme_invalid');
  assert.equal(await reason('file:///etc/passwd'), 'scheme_invalid');
  assert.equal(await reason('javascript:alert(1)'), 'scheme_invalid');
  assert.equal(await reason('http://'), 'host_required');
  assert.equal(await reason('http://exa mple.com/'), 'host_malformed');
  assert.equal(await reason('http://user:pw@8.8.8.8/'), 'host_malformed');
});
