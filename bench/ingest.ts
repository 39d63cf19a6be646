/**
 * bench/ingest: uploads a large body (default 2 GiB, BENCH_BYTES to change) through a real Kiln
 * server process and prints its throughput next to the disk's own sequential write speed measured
 * in the same run, and the server's peak RSS growth (goal: under 100 MB).
 *
 *   node --import tsx bench/ingest.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freePort } from '../test/support/free-port.js';

const TOTAL = Number(process.env.BENCH_BYTES ?? 2 * 1024 ** 3);
const CHUNK = randomBytes(1024 * 1024);
const bin = join(process.cwd(), 'bin', 'kiln.js');

function body(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= TOTAL) return this.push(null);
      const n = Math.min(CHUNK.length, TOTAL - sent);
      sent += n;
      this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    },
  });
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function diskBaseline(dir: string): Promise<number> {
  const file = join(dir, 'baseline.bin');
  const start = performance.now();
  await pipeline(body(), createWriteStream(file));
  const fh = await open(file, 'r+');
  await fh.sync();
  await fh.close();
  const seconds = (performance.now() - start) / 1000;
  rmSync(file);
  return TOTAL / seconds;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-ingest-'));
  const env = {
    ...process.env,
    KILN_DATA_DIR: dir,
    KILN_LOG_LEVEL: 'warn',
    KILN_MAX_UPLOAD_BYTES: String(TOTAL * 2),
  };
  const creds = JSON.parse(
    execFileSync(process.execPath, [bin, 'accounts', 'create', '--name', 'bench', '--json'], {
      env,
    }).toString(),
  );
  const port = await freePort();
  const server = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    env,
    stdio: 'inherit',
  });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
      } catch {}
      if (i > 200) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const diskBps = await diskBaseline(dir);
    const rssStart = rssKb(server.pid!);
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssKb(server.pid!));
    }, 50);
    const start = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${port}/kiln/v1/assets?name=big.bin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.apiToken}`, 'content-length': String(TOTAL) },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      body().pipe(req);
    });
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    if (status !== 201) throw new Error(`upload answered ${status}`);
    const kilnBps = TOTAL / seconds;
    const mb = (bps: number) => `${(bps / 1024 ** 2).toFixed(1)} MiB/s`;
    console.log(`body:                ${(TOTAL / 1024 ** 3).toFixed(2)} GiB`);
    console.log(`disk sequential write: ${mb(diskBps)}`);
    console.log(`kiln upload:           ${mb(kilnBps)} (${seconds.toFixed(1)} s)`);
    console.log(`ratio kiln/disk:       ${(kilnBps / diskBps).toFixed(2)}`);
    console.log(
      `server RSS: start ${(rssStart / 1024).toFixed(0)} MB, peak ${(rssPeak / 1024).toFixed(0)} MB, growth ${((rssPeak - rssStart) / 1024).toFixed(1)} MB (goal < 100 MB)`,
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
