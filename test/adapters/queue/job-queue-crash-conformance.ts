import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { QueueFixture } from './job-queue-conformance.js';
import { waitForState } from './job-queue-waits.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

type WithFixture = (fn: (fx: QueueFixture) => Promise<void>) => () => Promise<void>;

/**
 * A worker process that dies holding a job (SIGKILL: no cleanup, no release) must not lose it:
 * once its lease runs out another worker takes the job up, counting the dead attempt.
 */
export function registerCrashConformance(name: string, withFixture: WithFixture): void {
  test(
    `${name}: a job held by a killed worker process is taken up after its lease`,
    withFixture(async (fx) => {
      const producer = await fx.createQueue();
      const id = await producer.enqueue('crashy', { file: 'x.mp4' }, { leaseSeconds: 2, backoffMs: 10 });
      const child = startWorker(fx, 'crashy');
      try {
        const claimed = await readLine(child, /^claimed (\S+) (\d+)$/, 20_000);
        assert.equal(claimed[1], id);
        assert.equal(claimed[2], '1');
        child.kill('SIGKILL');
        await once(child, 'exit');
      } finally {
        child.kill('SIGKILL');
      }
      const killedAt = Date.now();
      assert.equal((await producer.get(id))!.state, 'active', 'the dead worker still holds the job');

      const survivor = await fx.createQueue({ pollIntervalMs: 50 });
      let attempt = 0;
      let startedAt = 0;
      survivor.work(
        'crashy',
        async (job) => {
          attempt = job.attempt;
          startedAt = Date.now();
        },
        { concurrency: 1 },
      );
      await survivor.start();
      const info = await waitForState(survivor, id, 'completed', 10_000);
      assert.equal(attempt, 2, 'the dead attempt counts');
      assert.equal(info.attempt, 2);
      assert.ok(startedAt - killedAt < 2_500, 'taken up soon after the lease ran out');
    }),
  );

  test(
    `${name}: a job whose last attempt died with its worker ends failed`,
    withFixture(async (fx) => {
      const producer = await fx.createQueue();
      const id = await producer.enqueue('crashy-once', {}, { leaseSeconds: 1, maxAttempts: 1 });
      const child = startWorker(fx, 'crashy-once');
      try {
        await readLine(child, /^claimed /, 20_000);
        child.kill('SIGKILL');
        await once(child, 'exit');
      } finally {
        child.kill('SIGKILL');
      }
      const survivor = await fx.createQueue({ pollIntervalMs: 50 });
      let ran = false;
      survivor.work(
        'crashy-once',
        async () => {
          ran = true;
        },
        { concurrency: 1 },
      );
      await survivor.start();
      const info = await waitForState(survivor, id, 'failed', 10_000);
      assert.equal(ran, false);
      assert.match(info.lastError ?? '', /lease expired/);
    }),
  );
}

function startWorker(fx: QueueFixture, kind: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, fx.databaseUrl, fx.schema ?? '-', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.setEncoding('utf8');
  return child;
}

/** Resolves with the first stdout line matching `pattern`. */
function readLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`worker printed no ${pattern} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        const match = line.match(pattern);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve(match);
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before printing ${pattern}`));
    });
  });
}
