import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  deleteGroup,
  deleteMetadata,
  getMetadata,
  getMetadataValue,
  getTags,
  groupInfo,
  isRestClientError,
  listOfGroups,
  paginate,
  replaceTags,
  updateMetadata,
  updateTags,
} from '@uploadcare/rest-client';
import { info as uploadApiInfo, uploadFile, uploadFileGroup } from '@uploadcare/upload-client';
import { type RestHarness, settingsFor, startRest } from './rest-harness.js';

let h: RestHarness;
before(async () => {
  h = await startRest();
});
after(() => h?.kiln.close());

const detail = (text: string) => (err: unknown) => isRestClientError(err) && err.message.includes(text);

test('metadata: list, get, set (201 new, 200 changed), delete; the Upload API shows the same', async () => {
  const up = await uploadFile(Buffer.from('meta'), { ...h.upload, metadata: { subsystem: 'uploader' } });
  assert.deepEqual(await getMetadata({ uuid: up.uuid }, h.signed), { subsystem: 'uploader' });
  assert.equal(await updateMetadata({ uuid: up.uuid, key: 'pet_name', value: 'cat' }, h.signed), 'cat');
  assert.equal(await updateMetadata({ uuid: up.uuid, key: 'pet_name', value: 'dog' }, h.simple), 'dog');
  assert.equal(await getMetadataValue({ uuid: up.uuid, key: 'pet_name' }, h.signed), 'dog');
  // The Upload API's info shows it too (its client camelises metadata keys: reference §1.4).
  assert.deepEqual((await uploadApiInfo(up.uuid, h.upload)).metadata, {
    subsystem: 'uploader',
    petName: 'dog',
  });
  await deleteMetadata({ uuid: up.uuid, key: 'subsystem' }, h.signed);
  assert.deepEqual(await getMetadata({ uuid: up.uuid }, h.signed), { pet_name: 'dog' });
  await assert.rejects(getMetadataValue({ uuid: up.uuid, key: 'subsystem' }, h.signed), detail('Not found.'));
  await assert.rejects(deleteMetadata({ uuid: up.uuid, key: 'subsystem' }, h.signed), detail('Not found.'));
  // The Upload API's rules and words.
  await assert.rejects(
    updateMetadata({ uuid: up.uuid, key: 'bad key!', value: 'x' }, h.signed),
    detail("File's metadata key `bad key!` contains symbols not allowed by the metadata key format."),
  );
  await assert.rejects(
    updateMetadata({ uuid: up.uuid, key: 'k', value: 'x'.repeat(513) }, h.signed),
    detail("Value of file metadata's key `k` can not be more than 512 symbols in length."),
  );
  await assert.rejects(
    updateMetadata({ uuid: up.uuid, key: 'k', value: '' }, h.signed),
    detail('Value of the file metadata key `k` can not be empty.'),
  );
  for (let i = 0; i < 49; i++) await updateMetadata({ uuid: up.uuid, key: `k${i}`, value: 'v' }, h.simple);
  await assert.rejects(
    updateMetadata({ uuid: up.uuid, key: 'one_too_many', value: 'v' }, h.signed),
    detail('A file can not have more than 50 metadata keys.'),
  );
});

test('groups: list (paged), info with files and default effects, delete keeps the files', async () => {
  const g1 = await uploadFileGroup([Buffer.from('a'), Buffer.from('b')], h.upload);
  const g2 = await uploadFileGroup([Buffer.from('c')], h.upload);
  const list = await listOfGroups({ limit: 1 }, h.signed);
  assert.equal(list.total, 2);
  assert.equal(list.results[0]?.id, g1.uuid);
  assert.equal(list.results[0]?.filesCount, 2);
  assert.equal(list.results[0]?.cdnUrl, `${h.kiln.url}/${g1.uuid}/`);
  const ids = [];
  for await (const page of paginate(listOfGroups)({ limit: 1, ordering: '-datetime_created' }, h.simple))
    ids.push(...page.results.map((g) => g.id));
  assert.deepEqual(ids, [g2.uuid, g1.uuid]);

  const info = await groupInfo({ uuid: g1.uuid }, h.signed);
  assert.equal(info.id, g1.uuid);
  assert.equal(info.filesCount, 2);
  assert.deepEqual(
    info.files?.map((f) => f?.uuid),
    g1.files.map((f) => f.uuid),
  );
  assert.equal((info.files?.[0] as { defaultEffects?: string } | null)?.defaultEffects, '');

  await deleteGroup({ uuid: g1.uuid }, h.signed);
  await assert.rejects(groupInfo({ uuid: g1.uuid }, h.signed), detail('Not found.'));
  assert.equal((await fetch(`${h.kiln.url}/${g1.uuid}/`)).status, 404);
  assert.equal((await fetch(g1.files[0]!.cdnUrl!)).status, 200);
  await assert.rejects(deleteGroup({ uuid: g1.uuid }, h.signed), detail('Not found.'));
  const other = settingsFor(h.kiln, await h.kiln.createAccount());
  await assert.rejects(groupInfo({ uuid: g2.uuid }, other.signed), detail('Not found.'));
});

test('add-ons answer that they are not available here', async () => {
  const { AddonName, executeAddon, addonExecutionStatus } = await import('@uploadcare/rest-client');
  const up = await uploadFile(Buffer.from('scan me'), h.upload);
  await assert.rejects(
    executeAddon({ addonName: AddonName.UC_CLAMAV_VIRUS_SCAN, target: up.uuid }, h.signed),
    detail('Add-On uc_clamav_virus_scan is not available for this project.'),
  );
  await assert.rejects(
    addonExecutionStatus(
      { addonName: AddonName.REMOVE_BG, requestId: '00000000-0000-4000-8000-000000000000' },
      h.signed,
    ),
    detail('Add-On remove_bg is not available for this project.'),
  );
});

test('tags: get, replace, add and delete in one change; the Upload API shows the same', async () => {
  const up = await uploadFile(Buffer.from('tagged'), { ...h.upload, tags: ['Cat', 'animal'] });
  assert.deepEqual(await getTags({ uuid: up.uuid }, h.signed), { tags: ['cat', 'animal'] });
  assert.deepEqual(await replaceTags({ uuid: up.uuid, tags: ['dog', ' Animal ', 'dog'] }, h.signed), {
    tags: ['dog', 'animal'],
    added: ['dog'],
    deleted: ['cat'],
  });
  assert.deepEqual(
    await updateTags({ uuid: up.uuid, add: ['animal', 'pet'], delete: ['animal', 'dog'] }, h.simple),
    {
      tags: ['animal', 'pet'],
      added: ['pet'],
      deleted: ['dog'],
    },
  );
  assert.deepEqual((await uploadApiInfo(up.uuid, h.upload)).tags, ['animal', 'pet']);
  await assert.rejects(
    replaceTags({ uuid: up.uuid, tags: ['no spaces'] }, h.signed),
    detail('Tag `no spaces` contains symbols not allowed by the tag format.'),
  );
  assert.deepEqual(await replaceTags({ uuid: up.uuid, tags: [] }, h.signed), {
    tags: [],
    added: [],
    deleted: ['animal', 'pet'],
  });
});
