import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTool } from '../../../src/adapters/ffmpeg/run-tool.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';

const isKiln = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof KilnError, `expected a KilnError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, pattern);
  return true;
};

describe('runTool', () => {
  it('returns stdout and the stderr tail of a tool that succeeds', async () => {
    const r = await runTool('sh', ['-c', 'printf hello; printf oops >&2']);
    assert.equal(r.stdout.toString(), 'hello');
    assert.equal(r.stderrTail, 'oops');
  });

  it('turns a crash on a signal (SIGSEGV) into processing_failed naming the signal', async () => {
    await assert.rejects(
      runTool('sh', ['-c', 'echo about to crash >&2; kill -SEGV $$'], { name: 'fakeprobe' }),
      (err) => {
        isKiln('processing_failed', /fakeprobe crashed with signal SIGSEGV/)(err);
        assert.equal((err as KilnError).details.signal, 'SIGSEGV');
        assert.match(String((err as KilnError).details.stderrTail), /about to crash/);
        return true;
      },
    );
  });

  it('reports a non-zero exit with the last stderr line', async () => {
    await assert.rejects(
      runTool('sh', ['-c', 'echo first >&2; echo "the real reason" >&2; exit 3']),
      isKiln('processing_failed', /sh exited with code 3: the real reason/),
    );
  });

  it('keeps only the last ~4 KB of stderr', async () => {
    await assert.rejects(
      runTool('sh', ['-c', 'head -c 100000 /dev/zero | tr "\\0" x >&2; echo END >&2; exit 1']),
      (err) => {
        const tail = String((err as KilnError).details.stderrTail);
        assert.ok(tail.length <= 4096, `tail is ${tail.length} bytes`);
        assert.match(tail, /END\n$/);
        return true;
      },
    );
  });

  it('kills a tool that outlives its timeout (SIGKILL), promptly', async () => {
    const started = Date.now();
    // `exec` so the shell itself is the sleeping process; a trap proves SIGTERM would not be enough.
    await assert.rejects(
      runTool('sh', ['-c', "trap '' TERM; exec sleep 30"], { timeoutMs: 300 }),
      isKiln('processing_failed', /timed out/),
    );
    assert.ok(Date.now() - started < 5000, 'the timeout did not fire promptly');
  });

  it('kills the tool when the signal aborts and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await assert.rejects(runTool('sleep', ['30'], { signal: controller.signal }), (err) => err === reason);
    assert.ok(Date.now() - started < 5000);
  });

  it('rejects at once on an already aborted signal', async () => {
    await assert.rejects(runTool('sleep', ['30'], { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('parses -progress key=value output into fractions of the duration', async () => {
    const seen: number[] = [];
    const seconds: number[] = [];
    const script =
      'printf "frame=1\\nout_time_us=1000000\\nprogress=continue\\n"; sleep 0.05; printf "out_time_us=N/A\\nout_time_us=3000000\\nprogress=end\\n"';
    const r = await runTool('sh', ['-c', script], {
      progress: { durationSeconds: 4, onProgress: (f, s) => seen.push(f) && seconds.push(s) },
    });
    assert.deepEqual(seen, [0.25, 0.75, 1]);
    assert.deepEqual(seconds, [1, 3, 3]);
    assert.equal(r.stdout.length, 0);
  });

  it('reports a missing executable as unavailable, not a crash', async () => {
    await assert.rejects(
      runTool('/nonexistent/ffmpeg', ['-version']),
      isKiln('unavailable', /could not be started/),
    );
  });
});
