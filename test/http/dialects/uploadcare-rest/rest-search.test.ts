import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isRestClientValidationError, paginate, searchFiles } from '@uploadcare/rest-client';
import { uploadFile } from '@uploadcare/upload-client';
import { smallPhoto } from '../uploadcare/uc-harness.js';
import { type RestHarness, settingsFor, startRest } from './rest-harness.js';

let h: RestHarness;
const ids: Record<string, string> = {};
before(async () => {
  h = await startRest();
  const up = (data: Buffer, opts: Record<string, unknown>) => uploadFile(data, { ...h.upload, ...opts });
  ids.cat = (
    await up(await smallPhoto(), {
      fileName: 'black cat.jpg',
      metadata: { owner: 'Alice' },
      tags: ['cat', 'pet'],
    })
  ).uuid;
  ids.dog = (
    await up(Buffer.from('woof woof woof'), {
      fileName: 'dog notes.txt',
      metadata: { owner: 'Bob' },
      tags: ['dog', 'pet'],
    })
  ).uuid;
  ids.big = (await up(Buffer.alloc(200_000, 1), { fileName: 'blob.bin', tags: ['misc'] })).uuid;
});
after(() => h?.kiln.close());

const uuids = (r: { results: Array<{ uuid: string }> }) => r.results.map((f) => f.uuid).sort();

test('search: words, phrases, exact values, ranges, is_image, tags, sort', async () => {
  assert.deepEqual(uuids(await searchFiles({ query: 'black' }, h.signed)), [ids.cat]);
  assert.deepEqual(uuids(await searchFiles({ phrase: { metadata: 'alice' } }, h.signed)), [ids.cat]);
  assert.deepEqual(uuids(await searchFiles({ exact: { metadata: { owner: ['Bob'] } } }, h.signed)), [
    ids.dog,
  ]);
  assert.deepEqual(
    uuids(await searchFiles({ exact: { uuid: [ids.big!, ids.cat!] } }, h.signed)),
    [ids.big, ids.cat].sort(),
  );
  assert.deepEqual(uuids(await searchFiles({ size: { gte: 150_000, lt: 250_000 } }, h.signed)), [ids.big]);
  assert.deepEqual(uuids(await searchFiles({ isImage: true }, h.signed)), [ids.cat]);
  assert.deepEqual(uuids(await searchFiles({ tags: { all: ['pet'], none: ['dog'] } }, h.signed)), [ids.cat]);
  assert.deepEqual(
    uuids(await searchFiles({ tags: { any: ['PET', 'misc'] } }, h.signed)),
    Object.values(ids).sort(),
  );
  assert.deepEqual(
    uuids(await searchFiles({ datetimeUploaded: { gte: new Date(Date.now() - 60_000) } }, h.signed)),
    Object.values(ids).sort(),
  );
  const bySize = await searchFiles(
    { tags: { any: ['pet', 'misc'] }, sort: [{ field: 'size', order: 'desc' }] },
    h.signed,
  );
  assert.equal(bySize.results[0]?.uuid, ids.big);
  const other = settingsFor(h.kiln, await h.kiln.createAccount());
  assert.deepEqual((await searchFiles({ query: 'black' }, other.signed)).results, []);
});

test('search pages with limit/offset; paginate follows next', async () => {
  const seen: string[] = [];
  for await (const page of paginate(searchFiles)({ tags: { any: ['pet', 'misc'] }, limit: 1 }, h.simple))
    seen.push(...page.results.map((f) => f.uuid));
  assert.deepEqual(seen.sort(), Object.values(ids).sort());
});

test('search refusals are validation errors keyed by field', async () => {
  await assert.rejects(searchFiles({ query: 'abc' }, h.signed), (err) => {
    assert.ok(isRestClientValidationError(err));
    assert.deepEqual(err.errors.query, ['Must be at least 4 characters.']);
    return true;
  });
  await assert.rejects(
    searchFiles({}, h.signed),
    (err) => isRestClientValidationError(err) && !!err.errors.nonFieldErrors,
  );
  await assert.rejects(
    searchFiles({ query: 'black', fuzziness: true }, h.signed),
    (err) => isRestClientValidationError(err) && !!err.errors.fuzziness,
  );
});
