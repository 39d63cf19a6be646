import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AccountService } from '../../../src/core/accounts/account-service.js';
import { AssetRepository } from '../../../src/core/assets/asset-repository.js';
import { SecretBox } from '../../../src/core/signing/secret-box.js';
import { openTestDatabase } from '../../support/test-database.js';

async function setup() {
  const h = await openTestDatabase();
  const accounts = new AccountService(h.db, new SecretBox(randomBytes(32)));
  const a = await accounts.create('a');
  const b = await accounts.create('b');
  return { h, repo: new AssetRepository(h.db), a: a.id, b: b.id };
}

test('create, get, update and soft delete, scoped to the account', async () => {
  const { h, repo, a, b } = await setup();
  try {
    const asset = await repo.create({
      accountId: a,
      kind: 'image',
      source: 'test',
      size: 1234,
      contentType: 'image/png',
      originalName: 'x.png',
      metadata: { k: 'v' },
      stored: false,
      expiresAt: '2000-01-01T00:00:00.000Z',
      extra: { requireSignedURLs: true },
    });
    assert.equal(asset.size, 1234);
    assert.deepEqual((await repo.get(a, asset.id)).metadata, { k: 'v' });
    assert.equal((await repo.get(a, asset.id)).stored, false);
    await assert.rejects(repo.get(b, asset.id), /not found/);
    await assert.rejects(repo.update(b, asset.id, { status: 'ready' }), /not found/);
    const updated = await repo.update(a, asset.id, {
      status: 'ready',
      width: 10,
      height: 20,
      durationSeconds: 1.5,
    });
    assert.equal(updated.width, 10);
    assert.equal(updated.durationSeconds, 1.5);
    assert.deepEqual(
      (await repo.expired(new Date().toISOString())).map((x) => x.id),
      [asset.id],
    );
    assert.equal(await repo.storedBytes(a), 1234);
    assert.equal(await repo.softDelete(b, asset.id), false);
    assert.equal(await repo.softDelete(a, asset.id), true);
    assert.equal(await repo.softDelete(a, asset.id), false);
    assert.equal(await repo.find(a, asset.id), null);
    assert.equal(await repo.storedBytes(a), 0);
    await assert.rejects(
      repo.create({ id: asset.id, accountId: a, kind: 'file', source: 't' }),
      /already exists/,
    );
  } finally {
    await h.close();
  }
});

test('list filters, searches (literal, case-insensitive) and pages by keyset', async () => {
  const { h, repo, a, b } = await setup();
  try {
    const names = ['Alpha.jpg', 'beta.png', 'gamma_100%.gif', 'delta.mp4', 'ALPHABET.txt'];
    for (const n of names) {
      await repo.create({
        accountId: a,
        kind: n.endsWith('mp4') ? 'video' : 'image',
        source: 't',
        originalName: n,
      });
      await new Promise((r) => setTimeout(r, 3));
    }
    await repo.create({ accountId: b, kind: 'image', source: 't', originalName: 'alpha-of-b.jpg' });
    assert.equal(await repo.count({ accountId: a }), 5);
    assert.deepEqual((await repo.list({ accountId: a, search: 'alpha' })).map((x) => x.originalName).sort(), [
      'ALPHABET.txt',
      'Alpha.jpg',
    ]);
    assert.deepEqual(
      (await repo.list({ accountId: a, search: '100%' })).map((x) => x.originalName),
      ['gamma_100%.gif'],
    );
    assert.deepEqual(
      (await repo.list({ accountId: a, search: '_' })).map((x) => x.originalName),
      ['gamma_100%.gif'],
    );
    assert.deepEqual(
      (await repo.list({ accountId: a, kind: 'video' })).map((x) => x.originalName),
      ['delta.mp4'],
    );
    const page1 = await repo.list({ accountId: a, limit: 2, ascending: true });
    const last = page1[1]!;
    const page2 = await repo.list({
      accountId: a,
      limit: 2,
      ascending: true,
      cursor: { createdAt: last.createdAt, id: last.id },
    });
    assert.deepEqual(
      [...page1, ...page2].map((x) => x.originalName),
      names.slice(0, 4),
    );
    assert.deepEqual(
      (await repo.list({ accountId: a })).map((x) => x.originalName),
      [...names].reverse(),
    );
  } finally {
    await h.close();
  }
});

test('mergeExtra: concurrent merges of different facts all survive (compare-and-swap)', async () => {
  const { h, repo, a, b } = await setup();
  try {
    const asset = await repo.create({ accountId: a, kind: 'video', source: 'test', extra: { keep: 1 } });
    // On PostgreSQL these run on several pooled connections at once; on SQLite they interleave at
    // every await. A read-merge-write without the swap check loses most of them.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        repo.mergeExtra(a, asset.id, { [`k${i}`]: i }, i === 7 ? { status: 'ready' } : {}),
      ),
    );
    const { extra, status } = await repo.get(a, asset.id);
    assert.equal(Object.keys(extra).length, 31);
    for (let i = 0; i < 30; i++) assert.equal(extra[`k${i}`], i);
    assert.deepEqual([extra.keep, status], [1, 'ready']);
    await assert.rejects(repo.mergeExtra(b, asset.id, { x: 1 }), /not found/);
  } finally {
    await h.close();
  }
});

test('transition: of many simultaneous claims of an upload session exactly one wins (compare-and-set)', async () => {
  const { h, repo, a, b } = await setup();
  try {
    const draft = await repo.create({ accountId: a, kind: 'image', source: 'test', status: 'draft' });
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => repo.transition(draft.id, { from: 'draft', to: 'uploading' })),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal((await repo.get(a, draft.id)).status, 'uploading');
    assert.equal(await repo.transition(draft.id, { accountId: b, from: 'uploading', to: 'draft' }), null);
    assert.equal(
      (await repo.transition(draft.id, { accountId: a, from: 'uploading', to: 'draft' }))?.status,
      'draft',
    );

    // A claim on the facts: the status stays, `uploadUsed` flips once.
    const video = await repo.create({
      accountId: a,
      kind: 'video',
      source: 'test',
      status: 'pendingupload',
      extra: { uploadUsed: false, keep: 1 },
    });
    const used = await Promise.all(
      Array.from({ length: 20 }, () =>
        repo.transition(video.id, {
          from: 'pendingupload',
          to: 'pendingupload',
          extra: (f) => (f.uploadUsed ? null : { ...f, uploadUsed: true }),
        }),
      ),
    );
    assert.equal(used.filter(Boolean).length, 1);
    assert.deepEqual((await repo.get(a, video.id)).extra, { uploadUsed: true, keep: 1 });
  } finally {
    await h.close();
  }
});
