/**
 * The layers of DESIGN.md, enforced: the core never imports HTTP, the tus server, the runtime or the
 * HTTP layer; nothing imports in a circle; dialects do not write SQL (they call the core).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findCircles, readImportGraph } from './import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');
const graph = readImportGraph(ROOT);

/** Packages the core may not import: HTTP frameworks and protocol servers belong to src/http. */
const HTTP_PACKAGES = ['fastify', '@fastify/', '@tus/server', 'srvx', 'undici-types'];

test('the import graph is read (guards the checks below against reading nothing)', () => {
  assert.ok(graph.size > 150, `files read: ${graph.size}`);
  const app = graph.get('src/http/app.ts');
  assert.ok(app?.packages.includes('fastify'), 'src/http/app.ts imports fastify');
});

test('src/core imports neither HTTP packages nor src/http nor src/runtime', () => {
  const offences: string[] = [];
  for (const file of graph.values()) {
    if (!file.path.startsWith('src/core/')) continue;
    for (const p of file.packages)
      if (HTTP_PACKAGES.some((h) => (h.endsWith('/') ? p.startsWith(h) : p === h)))
        offences.push(`${file.path} imports ${p}`);
    for (const l of file.locals)
      if (l.startsWith('src/http/') || l.startsWith('src/runtime/') || l.startsWith('src/cli/'))
        offences.push(`${file.path} imports ${l}`);
  }
  assert.deepEqual(offences, []);
});

test('src/adapters does not import src/http, src/runtime or src/cli', () => {
  const offences: string[] = [];
  for (const file of graph.values()) {
    if (!file.path.startsWith('src/adapters/')) continue;
    for (const l of file.locals)
      if (/^src\/(http|runtime|cli)\//.test(l)) offences.push(`${file.path} imports ${l}`);
  }
  assert.deepEqual(offences, []);
});

test('nothing imports in a circle (the dashboard scripts included)', () => {
  assert.deepEqual(findCircles(graph), []);
});

/** Query building and raw SQL: the calls that only a repository in core or adapters should make. */
const SQL =
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql`|\bsql\.raw\(|\.query\(\s*['"`]\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

test('no file under src/http writes SQL: dialects call the core', () => {
  const offences = [...graph.values()]
    .filter((f) => f.path.startsWith('src/http/') && SQL.test(f.text))
    .map((f) => f.path);
  assert.deepEqual(offences, []);
});

test('the checks catch what they are for (a file that breaks every rule is reported)', () => {
  const bad = new Map(graph);
  bad.set('src/core/x.ts', {
    path: 'src/core/x.ts',
    text: "db.selectFrom('assets')",
    packages: ['fastify'],
    locals: ['src/http/app.ts', 'src/core/y.ts'],
  });
  bad.set('src/core/y.ts', { path: 'src/core/y.ts', text: '', packages: [], locals: ['src/core/x.ts'] });
  assert.deepEqual(
    findCircles(bad).find((c) => c.includes('src/core/x.ts')),
    ['src/core/x.ts', 'src/core/y.ts'],
  );
  assert.ok(SQL.test(bad.get('src/core/x.ts')!.text));
});
