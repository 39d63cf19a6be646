/**
 * bench/load: a mixed workload against a scale-out cluster (two API processes and one worker,
 * spawned by the test harness on PostgreSQL and an S3 protocol server). Prints, per operation,
 * throughput, p50/p99 latency and errors, and the RSS of every process over time.
 *
 *   npm run build && KILN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     BENCH_SECONDS=60 node --import tsx bench/load.ts
 *
 * BENCH_SECONDS (default 60; 600 for the soak), BENCH_CONCURRENCY (default 8 clients),
 * BENCH_SAMPLE_SECONDS (RSS sampling, default 10). The mix: 15% uploads (16-256 KiB), 40%
 * deliveries (whole file, or a Range), 20% transform cache hits, 10% transform cache misses,
 * 10% list, 5% delete (purge jobs for the worker).
 *
 * Transforms go through `GET /kiln/v1/assets/:id/image?options=` on image assets uploaded at the
 * start: the fixture photos scaled to 1280 px wide (a typical web original; the 2560 px originals
 * are bench/images' subject). Hits cycle through 8 fixed option strings; every miss has a canonical
 * key never asked before, so it renders, writes a variant and records a rendition. Each answer is
 * checked: 200, `Kiln-Cache: hit|miss` as expected, and the decoded image's width.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { startKilnCluster } from '../test/support/kiln-cluster.js';
import { fixturePhotos } from '../test/support/test-images.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 10);

type Op = 'upload' | 'deliver' | 'range' | 'hit' | 'miss' | 'list' | 'delete';
const OPS: Op[] = ['upload', 'deliver', 'range', 'hit', 'miss', 'list', 'delete'];
const HIT_OPTIONS = ['320', '640', '960'].flatMap((w) => [
  `width=${w},format=webp`,
  `width=${w},format=jpeg`,
]);
HIT_OPTIONS.push('width=200,height=200,fit=cover,format=avif', 'width=480,format=auto');
const stats = new Map<Op, { latencies: number[]; errors: number; bytes: number }>();
const record = (op: Op, ms: number, ok: boolean, bytes = 0) => {
  const s = stats.get(op) ?? { latencies: [], errors: 0, bytes: 0 };
  stats.set(op, s);
  if (ok) s.latencies.push(ms);
  else s.errors++;
  s.bytes += bytes;
};

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function main() {
  const cluster = await startKilnCluster({
    apis: 2,
    workers: 1,
    env: { KILN_RATE_LIMIT_IP_PER_MINUTE: '0', KILN_RATE_LIMIT_ACCOUNT_PER_MINUTE: '0' },
  });
  const account = await cluster.createAccount('bench');
  const auth = { authorization: `Bearer ${account.apiToken}` };
  const nodes = cluster.apis.map((a) => a.url!);
  const assets: Array<{ id: string; path: string; size: number }> = [];
  const node = (i: number) => nodes[i % nodes.length]!;
  let counter = 0;

  const upload = async (base: string): Promise<void> => {
    const body = randomBytes(16 * 1024 + Math.floor(Math.random() * 240 * 1024));
    const t = performance.now();
    const res = await fetch(`${base}/kiln/v1/assets?name=f${counter++}.bin`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(body),
    });
    const ok = res.status === 201;
    const json = (await res.json()) as { id: string; url: string };
    record('upload', performance.now() - t, ok, body.length);
    if (ok) {
      const u = new URL(json.url);
      assets.push({ id: json.id, path: `${u.pathname}${u.search}`, size: body.length });
    }
  };

  for (let i = 0; i < 20; i++) await upload(node(i));

  // Image sources: each fixture photo at 1280 px, twice (different JPEG qualities: distinct bytes).
  const images: string[] = [];
  for (const photo of fixturePhotos()) {
    for (const quality of [82, 90]) {
      const body = await sharp(photo.data).resize(1280).jpeg({ quality }).toBuffer();
      const res = await fetch(`${node(images.length)}/kiln/v1/assets?name=${photo.name}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'image/jpeg' },
        body: new Uint8Array(body),
      });
      if (res.status !== 201) throw new Error(`image upload: ${res.status} ${await res.text()}`);
      images.push(((await res.json()) as { id: string }).id);
    }
  }
  let missSeq = 0;
  const transform = async (base: string, op: 'hit' | 'miss') => {
    const id = images[Math.floor(Math.random() * images.length)]!;
    let options: string;
    let width: number;
    if (op === 'hit') {
      options = HIT_OPTIONS[Math.floor(Math.random() * HIT_OPTIONS.length)]!;
      width = Number(/width=(\d+)/.exec(options)![1]);
    } else {
      // (width, format, quality) never repeats within 134,200 misses, so every miss has a canonical
      // key of its own whichever image it lands on; the width alone decides the output's width.
      const n = missSeq++;
      width = 100 + ((n >> 1) % 1100);
      options = `width=${width},quality=${40 + Math.floor(n / 2200)},format=${n % 2 ? 'webp' : 'jpeg'}`;
    }
    const t = performance.now();
    const res = await fetch(`${base}/kiln/v1/assets/${id}/image?options=${options}`, {
      headers: { ...auth, accept: 'image/avif,image/webp,*/*' },
    });
    const body = Buffer.from(await res.arrayBuffer());
    // The server says whether the variant cache answered; a hit must be a hit and a miss a miss.
    let ok = res.status === 200 && res.headers.get('kiln-cache') === op;
    if (ok) {
      const meta = await sharp(body).metadata();
      ok = meta.width === width;
    }
    if (!ok)
      console.error(
        `${op} ${options}: ${res.status} ${res.status === 200 ? `width ${(await sharp(body).metadata()).width}` : body.subarray(0, 200).toString()}`,
      );
    record(op, performance.now() - t, ok, body.length);
  };
  // Warm the hits' variants once, so "hit" measures the cache from the start.
  for (const [i, options] of HIT_OPTIONS.entries())
    for (const id of images)
      await (
        await fetch(`${node(i)}/kiln/v1/assets/${id}/image?options=${options}`, {
          headers: { ...auth, accept: 'image/avif,image/webp,*/*' },
        })
      ).arrayBuffer();
  stats.clear();

  const rss: string[] = [];
  const sample = () => {
    const t = Math.round((performance.now() - started) / 1000);
    rss.push(
      `${String(t).padStart(5)}s  ${cluster.processes.map((p) => `${p.name} ${String(rssMb(p.pid)).padStart(4)} MB`).join('   ')}`,
    );
  };
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  sample();
  const sampler = setInterval(sample, SAMPLE_SECONDS * 1000);

  const deliver = async (base: string, range: boolean) => {
    const a = assets[Math.floor(Math.random() * assets.length)]!;
    const t = performance.now();
    const res = await fetch(`${base}${a.path}`, { headers: range ? { range: 'bytes=0-4095' } : {} });
    const bytes = (await res.arrayBuffer()).byteLength;
    const ok = range ? res.status === 206 && bytes === 4096 : res.status === 200 && bytes === a.size;
    // An asset deleted by another client meanwhile answers 404: not an error of the server.
    record(range ? 'range' : 'deliver', performance.now() - t, ok || res.status === 404, bytes);
  };
  const list = async (base: string) => {
    const t = performance.now();
    const res = await fetch(`${base}/kiln/v1/assets?limit=50`, { headers: auth });
    await res.arrayBuffer();
    record('list', performance.now() - t, res.status === 200);
  };
  const remove = async (base: string) => {
    if (assets.length <= 10) return;
    const a = assets.splice(Math.floor(Math.random() * assets.length), 1)[0]!;
    const t = performance.now();
    const res = await fetch(`${base}/kiln/v1/assets/${a.id}`, { method: 'DELETE', headers: auth });
    record('delete', performance.now() - t, res.status === 204);
  };
  /** The mix, as cumulative shares. */
  const MIX: Array<[number, Op, (base: string) => Promise<void>]> = [
    [0.15, 'upload', upload],
    [0.25, 'miss', (b) => transform(b, 'miss')],
    [0.45, 'hit', (b) => transform(b, 'hit')],
    [0.77, 'deliver', (b) => deliver(b, false)],
    [0.85, 'range', (b) => deliver(b, true)],
    [0.95, 'list', list],
    [1, 'delete', remove],
  ];

  const client = async (c: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const r = Math.random();
      const [, op, run] = MIX.find(([share]) => r < share)!;
      try {
        await run(node(c + i));
      } catch (err) {
        record(op, 0, false);
        console.error(`${op}: ${err}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => client(c)));
  clearInterval(sampler);
  sample();
  const elapsed = (performance.now() - started) / 1000;

  const purgeBacklog = await cluster.sql(
    `SELECT state, count(*)::int AS n FROM jobs WHERE kind = 'asset.purge' GROUP BY state`,
  );
  console.log(
    `\nkiln load: ${elapsed.toFixed(0)} s, ${CONCURRENCY} clients, 2 API nodes + 1 worker (PostgreSQL + s3rver)\n`,
  );
  console.log('op        requests    req/s    p50 ms    p99 ms   errors   MB moved');
  let total = 0;
  let errors = 0;
  for (const op of OPS) {
    const s = stats.get(op);
    if (!s) continue;
    const sorted = [...s.latencies].sort((a, b) => a - b);
    total += sorted.length + s.errors;
    errors += s.errors;
    console.log(
      `${op.padEnd(8)} ${String(sorted.length + s.errors).padStart(9)} ${(sorted.length / elapsed).toFixed(1).padStart(8)} ${pct(sorted, 50).toFixed(1).padStart(9)} ${pct(sorted, 99).toFixed(1).padStart(9)} ${String(s.errors).padStart(8)} ${(s.bytes / 1e6).toFixed(1).padStart(10)}`,
    );
  }
  console.log(
    `total    ${String(total).padStart(9)} ${(total / elapsed).toFixed(1).padStart(8)}   errors: ${errors}`,
  );
  console.log(`purge jobs: ${purgeBacklog.map((r) => `${r.state} ${r.n}`).join(', ') || 'none'}`);
  console.log('\nRSS over time:');
  for (const line of rss) console.log(line);
  await cluster.close();
  process.exit(errors > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
