import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger, type LogFormat } from '../../src/runtime/logger.js';
import { kilnCli, spawnKiln } from '../support/kiln-cluster.js';

/** What a logger of `format` writes to a stream that is (or is not) a terminal. */
function written(
  format: LogFormat,
  isTTY: boolean,
  log: (l: ReturnType<typeof createLogger>) => void,
): string {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const logger = createLogger({ level: 'info', format, stream: out });
  log(logger);
  logger.flush();
  return text;
}

const sample = (l: ReturnType<typeof createLogger>) => {
  l.info({ job: { kind: 'asset.purge' }, ms: 12, headers: { authorization: 'Bearer sekrit' } }, 'job done');
  l.error({ err: new Error('boom') }, 'job failed');
};

test('json: one JSON object a line, whatever the stream', () => {
  for (const tty of [false, true]) {
    const lines = written('json', tty, sample).trim().split('\n');
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]!);
    assert.equal(first.msg, 'job done');
    assert.equal(first.headers.authorization, '[redacted]');
  }
});

test('auto: JSON when the stream is not a terminal, human-readable lines when it is', () => {
  assert.doesNotThrow(() => JSON.parse(written('auto', false, sample).split('\n')[0]!));
  const pretty = written('auto', true, sample);
  assert.throws(() => JSON.parse(pretty.split('\n')[0]!));
  assert.match(pretty, /INFO.*job done/);
});

// Holds for pino-pretty (when installed) and for Kiln's built-in fallback alike.
test('pretty: level, message and fields on one line, redacted, the error stack below', () => {
  const text = written('pretty', false, sample);
  const [first, second] = text.split('\n');
  assert.match(first!, /\d\d:\d\d:\d\d\.\d{3}\]? INFO\b.*job done/);
  assert.match(first!, /"?ms"?[=:] ?12/);
  assert.match(first!, /asset\.purge/);
  assert.doesNotMatch(text, /sekrit/);
  assert.match(second!, /ERROR\b.*job failed/);
  assert.match(text, /Error: boom/);
  assert.match(text, /\bat \S+ \(/, 'the stack is kept');
  assert.ok(!text.includes('\u001b['), 'no colours when the stream is not a terminal');
});

test('KILN_LOG_FORMAT=pretty reaches a server process; a bad value names the variable', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-log-'));
  try {
    const worker = await spawnKiln(
      'pretty',
      'worker',
      { KILN_LOG_LEVEL: 'info', KILN_LOG_FORMAT: 'pretty' },
      dataDir,
    );
    await worker.kill('SIGTERM');
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => /^\[?\d\d:\d\d/.test(l));
    assert.ok(
      lines.some((l) => /INFO\b.*kiln listening on 127\.0\.0\.1:\d+ \(worker/.test(l)),
      worker.output(),
    );
    assert.equal(worker.logs().length, 0, 'no JSON lines');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  await assert.rejects(
    kilnCli(['doctor'], { KILN_LOG_FORMAT: 'xml', PATH: process.env.PATH ?? '' }),
    (err: { stderr: string; code: number }) => {
      assert.match(err.stderr, /KILN_LOG_FORMAT/);
      assert.equal(err.code, 2);
      return true;
    },
  );
});
