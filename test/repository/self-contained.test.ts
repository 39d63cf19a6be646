/**
 * A fresh clone passes its tests with nothing beside it: nothing in the repository reads a folder
 * outside the checkout, the photographs the tests use are in it, and `npm test` either finds (or
 * installs) the system tools it needs or stops at once with one message saying how to get them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { FIXTURES_DIR, fixturePhotos } from '../support/test-images.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CODE = /\.(ts|mts|mjs|cjs|js|json|sh)$/;
// Built from parts so that this file does not match itself.
const OUTSIDE = new RegExp(['\\.\\./shared', "'shared',\\s*'fixtures'", '"shared",\\s*"fixtures"'].join('|'));

test('no file in the repository reads a folder beside the checkout', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => CODE.test(f) && !f.startsWith('.ci/') && existsSync(join(ROOT, f)));
  assert.ok(files.length > 100, `expected the repository's code files, got ${files.length}`);
  const offenders = files.filter((f) => OUTSIDE.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(
    offenders,
    [],
    'these files read the shared folder beside the checkout, which a fresh clone does not have',
  );
});

test('the fixture photographs are in the repository, with their licence note', async () => {
  assert.ok(FIXTURES_DIR.startsWith(ROOT), `${FIXTURES_DIR} is inside the checkout`);
  const photos = fixturePhotos();
  assert.deepEqual(
    photos.map((p) => p.name),
    ['cups-2560x1600.jpg', 'path-2560x1600.jpg'],
  );
  for (const p of photos) {
    const meta = await sharp(p.data).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(`${meta.width}x${meta.height}`, '2560x1600');
  }
  const readme = readFileSync(join(FIXTURES_DIR, 'README.md'), 'utf8');
  for (const words of ['Dmitri Popov', 'Risto Saukonpää', 'LGPL-3.0'])
    assert.match(readme, new RegExp(words));
});

// A missing tool simulated with a PATH that holds nothing but node.
const bare = mkdtempSync(join(tmpdir(), 'kiln-bare-path-'));
symlinkSync(process.execPath, join(bare, 'node'));
after(() => rmSync(bare, { recursive: true, force: true }));

function preflight(env: Record<string, string>) {
  const { KILN_FFMPEG, KILN_FFPROBE, ...rest } = process.env;
  void KILN_FFMPEG;
  void KILN_FFPROBE;
  return spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.mjs'), '--preflight'], {
    cwd: ROOT,
    env: { ...rest, PATH: bare, ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
}

test('without the tools and without root, npm test stops at once with one message and the command', () => {
  const run = preflight({ KILN_AUTO_INSTALL: '0' });
  assert.equal(run.status, 1);
  const out = run.stdout + run.stderr;
  assert.match(out, /missing system tools: ffmpeg, ffprobe, bwrap\./);
  assert.match(out, /sudo bash scripts\/install-system-deps\.sh/);
  assert.doesNotMatch(out, /kiln tests: \d+ files/, 'no test started');
  assert.equal(out.trim().split('\n').length, 3, `one message:\n${out}`);
});

const asRoot = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
test('as root with apt-get, npm test installs the missing tools from Debian and goes on', {
  skip: asRoot ? false : 'needs root and apt-get (the install path of scripts/system-tools.mjs)',
}, () => {
  const run = preflight({});
  const out = run.stdout + run.stderr;
  assert.equal(run.status, 0, out);
  assert.match(out, /installing Debian's packages/);
  assert.match(out, /installing Debian packages: ffmpeg bubblewrap/);
  assert.match(out, /kiln tests: system tools present/);
});
