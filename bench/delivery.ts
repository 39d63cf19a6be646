/**
 * bench/delivery: every row of issue 17's table in one run, each beside its baseline, in
 * interleaved rounds (Kiln, baseline, Kiln, baseline...) so that the load of a shared machine falls
 * on both alike. Everything runs on loopback and stops by itself.
 *
 *   npm run build && node --import tsx bench/delivery.ts [--seconds 3] [--rounds 2] \
 *     [--upload-mb 300] [--chunk-mb 50] [--multipart-mb 90] [--misses 24] [--only hit,original,...] \
 *     [--kiln-env KILN_IMAGE_CONCURRENCY=8,...]
 *
 * Rows (`--only` names): `hit` an image variant cache hit (512 px JPEG from a 2560 px photo) at 8
 * and 64 connections vs bare node:http sending the same bytes from memory and @fastify/static from
 * disk; `original` the 0.9 MB photo through a signed `/files/` link and Uploadcare `/<uuid>/` vs
 * @fastify/static; `tus` a resumable upload through `/kiln/v1/uploads` vs bare @tus/server +
 * @tus/file-store; `multipart` Uploadcare `/base/` and Cloudflare Images v1 vs a bare busboy server
 * writing with fsync; `miss` 512 px JPEG renders at 2 and 8 clients vs sharp in-process and ipx.
 *
 * CPU per request (or per MiB) is the server process's utime + stime from /proc/<pid>/stat over the
 * measurement, so it does not depend on the load generator that shares the cores; sharp in-process
 * is this process's own CPU. Ratios are baseline / Kiln for CPU (higher is better, 1 = as cheap)
 * and Kiln / baseline for throughput.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ENCODER_DEFAULTS } from '../src/core/images/pipeline/encode.js';
import { fixturePhotos } from '../test/support/test-images.js';
import { startKilnImageServer } from './kiln-image-server.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    'upload-mb': { type: 'string', default: '300' },
    'chunk-mb': { type: 'string', default: '50' },
    'multipart-mb': { type: 'string', default: '90' },
    misses: { type: 'string', default: '24' },
    only: { type: 'string', default: 'hit,original,tus,multipart,miss' },
    /** Extra server settings, `K=V,K=V` (e.g. KILN_IMAGE_CONCURRENCY=8). */
    'kiln-env': { type: 'string', default: '' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const UPLOAD_MB = Number(values['upload-mb']);
const CHUNK_MB = Number(values['chunk-mb']);
const MULTIPART_MB = Number(values['multipart-mb']);
const MISSES = Number(values.misses);
const ONLY = new Set(values.only!.split(','));
const MiB = 1024 * 1024;
const TICK_US = 1e6 / 100; // CLK_TCK is 100 on Linux

/** utime + stime of a process, in µs. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

interface Measure {
  n: number;
  seconds: number;
  cpuUs: number;
  lat: number[];
  bytes: number;
}
const pct = (m: Measure, p: number) => {
  const s = [...m.lat].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

type Req = { url: string; method?: string; headers?: Record<string, string>; body?: Buffer[] };

function send(agent: Agent, r: Req): Promise<{ status: number; bytes: number; body?: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(r.url, { agent, method: r.method ?? 'GET', headers: r.headers }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes < 64 * 1024) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const b of r.body ?? []) req.write(b);
    req.end();
  });
}

/** `clients` loops issuing `next()` for `seconds` (or `count` requests), measured on `pid`. */
async function load(
  pid: number,
  clients: number,
  next: (n: number) => Req | (() => Promise<number>),
  opts: { seconds?: number; count?: number; expect?: number },
): Promise<Measure> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let issued = 0;
  let bytes = 0;
  const deadline = opts.seconds ? performance.now() + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  const cpu0 = cpuUs(pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline && (opts.count === undefined || issued < opts.count)) {
        const job = next(issued++);
        const t = performance.now();
        if (typeof job === 'function') bytes += await job();
        else {
          const res = await send(agent, job);
          if (res.status !== (opts.expect ?? 200))
            throw new Error(`${job.url}: ${res.status} ${res.body?.subarray(0, 200)}`);
          bytes += res.bytes;
        }
        lat.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { n: lat.length, seconds, cpuUs: cpuUs(pid) - cpu0, lat, bytes };
}

async function baseline(
  kind: string,
  dir: string,
  file?: string,
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'delivery-baselines.ts'),
      kind,
      dir,
      ...(file ? [file] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`baseline ${kind} exited ${code}`)));
    proc.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).port));
  });
  return { proc, url: `http://127.0.0.1:${port}` };
}

const rows: string[] = [];
const line = (s: string) => {
  rows.push(s);
  console.log(s);
};
const us = (m: Measure, per = m.n) => Math.round(m.cpuUs / per);
const fmt = (m: Measure) =>
  `${(m.n / m.seconds).toFixed(0).padStart(6)} req/s p50 ${pct(m, 50).toFixed(1).padStart(6)} p99 ${pct(m, 99).toFixed(1).padStart(6)} ms ${String(us(m)).padStart(6)} µs CPU/req`;
const avg = (ms: Measure[]): Measure => ({
  n: ms.reduce((a, m) => a + m.n, 0),
  seconds: ms.reduce((a, m) => a + m.seconds, 0),
  cpuUs: ms.reduce((a, m) => a + m.cpuUs, 0),
  lat: ms.flatMap((m) => m.lat),
  bytes: ms.reduce((a, m) => a + m.bytes, 0),
});

/** Runs each side once per round, alternating, and returns the pooled measures. */
async function rounds(sides: Array<() => Promise<Measure>>): Promise<Measure[]> {
  const all: Measure[][] = sides.map(() => []);
  for (let r = 0; r < ROUNDS; r++) for (const [i, side] of sides.entries()) all[i]!.push(await side());
  return all.map(avg);
}

function multipartBody(fields: Record<string, string>, name: string, type: string, data: Buffer) {
  const boundary = `kilnbench${randomBytes(8).toString('hex')}`;
  const head = Object.entries(fields)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const parts = [
    Buffer.from(
      `${head}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];
  const length = parts.reduce((a, p) => a + p.length, 0);
  return {
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(length),
    },
    body: parts,
  };
}

async function main() {
  const photos = fixturePhotos();
  const path = photos.find((p) => p.name.startsWith('path'))!;
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-delivery-'));
  const extraEnv = Object.fromEntries(
    values['kiln-env']!.split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
  const kiln = await startKilnImageServer(photos, { KILN_IMAGE_SOURCE_CACHE_MB: '64', ...extraEnv });
  const children: ChildProcess[] = [];
  try {
    const pid = kiln.process.pid!;
    const base = kiln.process.url!;
    const { account } = kiln;
    console.log(`# bench/delivery: kiln pid ${pid}, ${ROUNDS} rounds x ${SECONDS}s, machine shared (loaded)`);

    if (ONLY.has('hit')) {
      const url = kiln.variantUrl(0, 'w=512,h=512,fit=scale-down,metadata=none,f=jpeg');
      const first = await load(pid, 1, () => ({ url }), { count: 2 });
      const bytes = await fetch(url).then(async (r) => Buffer.from(await r.arrayBuffer()));
      writeFileSync(join(work, 'variant.jpg'), bytes);
      const memory = await baseline('memory', work, 'variant.jpg');
      const stat = await baseline('static', work);
      children.push(memory.proc, stat.proc);
      void first;
      for (const c of [8, 64]) {
        const [k, m, s] = await rounds([
          () => load(pid, c, () => ({ url }), { seconds: SECONDS }),
          () => load(memory.proc.pid!, c, () => ({ url: `${memory.url}/variant.jpg` }), { seconds: SECONDS }),
          () => load(stat.proc.pid!, c, () => ({ url: `${stat.url}/variant.jpg` }), { seconds: SECONDS }),
        ]);
        line(`hit ${bytes.length} B c=${c}  kiln            ${fmt(k!)}`);
        line(
          `hit ${bytes.length} B c=${c}  node:http memory ${fmt(m!)}  ratio ${(us(m!) / us(k!)).toFixed(2)}`,
        );
        line(
          `hit ${bytes.length} B c=${c}  fastify-static  ${fmt(s!)}  ratio ${(us(s!) / us(k!)).toFixed(2)}`,
        );
      }
    }

    if (ONLY.has('original')) {
      copyFileSync(join(import.meta.dirname, '../test/fixtures/photos', path.name), join(work, path.name));
      const stat = await baseline('static', work);
      children.push(stat.proc);
      const upload = await fetch(`${base}/kiln/v1/assets?name=${path.name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.apiToken}`, 'content-type': 'image/jpeg' },
        body: new Uint8Array(path.data),
      });
      const fileUrl = ((await upload.json()) as { url: string }).url;
      const uc = multipartBody(
        { UPLOADCARE_PUB_KEY: account.uploadcare.publicKey, UPLOADCARE_STORE: '1' },
        path.name,
        'image/jpeg',
        path.data,
      );
      const ucRes = await send(new Agent(), { url: `${base}/uploadcare/base/`, method: 'POST', ...uc });
      const uuid = JSON.parse(ucRes.body!.toString()).file as string;
      const ucUrl = `${base}/${uuid}/`;
      for (const [name, url] of [
        ['files link', fileUrl],
        ['uploadcare', ucUrl],
      ] as const) {
        const [k, s] = await rounds([
          () => load(pid, 8, () => ({ url }), { seconds: SECONDS }),
          () => load(stat.proc.pid!, 8, () => ({ url: `${stat.url}/${path.name}` }), { seconds: SECONDS }),
        ]);
        line(`original ${path.data.length} B ${name.padEnd(10)} kiln  ${fmt(k!)}`);
        line(
          `original ${path.data.length} B ${name.padEnd(10)} static ${fmt(s!)}  ratio ${(us(s!) / us(k!)).toFixed(2)}`,
        );
      }
    }

    if (ONLY.has('tus')) {
      const dir = join(work, 'tus');
      rmSync(dir, { recursive: true, force: true });
      const tus = await baseline('tus', work);
      children.push(tus.proc);
      const chunk = randomBytes(CHUNK_MB * MiB);
      const total = UPLOAD_MB * MiB;
      const agent = new Agent({ keepAlive: true });
      // The last PATCH's share of the upload: Kiln assembles the asset there (read back, hash, write).
      const lastPatch = { kiln: [] as number[], bare: [] as number[], total: { kiln: 0, bare: 0 } };
      const tusUpload = (create: string, auth: Record<string, string>, side: 'kiln' | 'bare') => async () => {
        const started = performance.now();
        const created = await new Promise<string>((resolve, reject) => {
          const req = request(
            create,
            {
              agent,
              method: 'POST',
              headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-length': String(total) },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(new URL(res.headers.location!, create).toString()));
            },
          );
          req.on('error', reject);
          req.end();
        });
        for (let offset = 0; offset < total; offset += chunk.length) {
          const part = chunk.subarray(0, Math.min(chunk.length, total - offset));
          const patchStart = performance.now();
          const res = await send(agent, {
            url: created,
            method: 'PATCH',
            headers: {
              ...auth,
              'tus-resumable': '1.0.0',
              'upload-offset': String(offset),
              'content-type': 'application/offset+octet-stream',
              'content-length': String(part.length),
            },
            body: [part],
          });
          if (res.status !== 204 && res.status !== 200) throw new Error(`PATCH ${res.status} ${res.body}`);
          if (offset + part.length >= total) lastPatch[side].push(performance.now() - patchStart);
        }
        lastPatch.total[side] += performance.now() - started;
        return total;
      };
      const kilnTus = tusUpload(
        `${base}/kiln/v1/uploads`,
        { authorization: `Bearer ${account.apiToken}` },
        'kiln',
      );
      const bareTus = tusUpload(`${tus.url}/files`, {}, 'bare');
      const [k, b] = await rounds([
        () => load(pid, 1, () => kilnTus, { count: 1 }),
        () => load(tus.proc.pid!, 1, () => bareTus, { count: 1 }),
      ]);
      const mibs = (m: Measure) => m.bytes / MiB / m.seconds;
      const cpuMib = (m: Measure) => Math.round(m.cpuUs / (m.bytes / MiB));
      line(
        `tus ${UPLOAD_MB} MiB / ${CHUNK_MB} MiB chunks kiln     ${mibs(k!).toFixed(0).padStart(5)} MiB/s ${cpuMib(k!)} µs CPU/MiB`,
      );
      line(
        `tus ${UPLOAD_MB} MiB / ${CHUNK_MB} MiB chunks bare tus ${mibs(b!).toFixed(0).padStart(5)} MiB/s ${cpuMib(b!)} µs CPU/MiB  ratio ${(mibs(k!) / mibs(b!)).toFixed(2)}`,
      );
      const share = (side: 'kiln' | 'bare') =>
        `${((100 * lastPatch[side].reduce((a, x) => a + x, 0)) / lastPatch.total[side]).toFixed(0)}%`;
      line(`tus last PATCH share of the upload time: kiln ${share('kiln')}, bare tus ${share('bare')}`);
      // The disk's own speed for the same bytes: one file, 1 MiB writes, fsync at the end.
      const disk = join(work, 'disk-speed');
      const t0 = performance.now();
      const handle = await open(disk, 'w');
      for (let offset = 0; offset < total; offset += MiB)
        await handle.write(chunk, 0, Math.min(MiB, total - offset));
      await handle.sync();
      await handle.close();
      const diskMibs = UPLOAD_MB / ((performance.now() - t0) / 1000);
      rmSync(disk, { force: true });
      line(
        `disk write + fsync ${UPLOAD_MB} MiB ${diskMibs.toFixed(0).padStart(5)} MiB/s  kiln tus / disk ${(mibs(k!) / diskMibs).toFixed(2)}`,
      );
    }

    if (ONLY.has('multipart')) {
      const busboy = await baseline('busboy', work);
      children.push(busboy.proc);
      const big = randomBytes(MULTIPART_MB * MiB);
      const image = await sharp(randomBytes(1800 * 1800 * 3), {
        raw: { width: 1800, height: 1800, channels: 3 },
      })
        .jpeg({ quality: 100 })
        .toBuffer();
      const mibs = (m: Measure) => m.bytes / MiB / m.seconds;
      const cases = [
        {
          name: `uploadcare /base/ ${MULTIPART_MB} MiB`,
          data: big,
          kiln: () => ({
            url: `${base}/uploadcare/base/`,
            method: 'POST',
            ...multipartBody(
              { UPLOADCARE_PUB_KEY: account.uploadcare.publicKey },
              'big.bin',
              'application/octet-stream',
              big,
            ),
          }),
        },
        {
          name: `cloudflare images v1 ${(image.length / MiB).toFixed(1)} MiB`,
          data: image,
          kiln: () => ({
            url: `${base}/client/v4/accounts/${account.id}/images/v1`,
            method: 'POST',
            ...(() => {
              const m = multipartBody({}, 'noise.jpg', 'image/jpeg', image);
              return { headers: { ...m.headers, authorization: `Bearer ${account.apiToken}` }, body: m.body };
            })(),
          }),
        },
      ];
      for (const c of cases) {
        const count = Math.max(1, Math.round((90 * MiB) / c.data.length / 2));
        const bare = () => ({
          url: `${busboy.url}/`,
          method: 'POST',
          ...multipartBody({}, 'x', 'application/octet-stream', c.data),
        });
        const [k, b] = await rounds([
          () => load(pid, 1, c.kiln, { count }).then((m) => ({ ...m, bytes: c.data.length * m.n })),
          () =>
            load(busboy.proc.pid!, 1, bare, { count }).then((m) => ({ ...m, bytes: c.data.length * m.n })),
        ]);
        line(
          `multipart ${c.name.padEnd(28)} kiln   ${mibs(k!).toFixed(0).padStart(5)} MiB/s ${Math.round(k!.cpuUs / (k!.bytes / MiB))} µs CPU/MiB`,
        );
        line(
          `multipart ${c.name.padEnd(28)} busboy ${mibs(b!).toFixed(0).padStart(5)} MiB/s ${Math.round(b!.cpuUs / (b!.bytes / MiB))} µs CPU/MiB  ratio ${(mibs(k!) / mibs(b!)).toFixed(2)}`,
        );
      }
      rmSync(join(work, 'busboy'), { recursive: true, force: true });
    }

    if (ONLY.has('miss')) {
      copyFileSync(join(import.meta.dirname, '../test/fixtures/photos', path.name), join(work, path.name));
      const ipx = await baseline('ipx', work);
      children.push(ipx.proc);
      const index = photos.indexOf(path);
      let n = 1000;
      const sharpDirect = () =>
        sharp(path.data)
          .autoOrient()
          .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
          .toColourspace('srgb')
          .jpeg({ ...ENCODER_DEFAULTS.jpeg, quality: 85, progressive: true })
          .toBuffer()
          .then((b) => b.length);
      for (const c of [2, 8]) {
        const [k, s, i] = await rounds([
          () =>
            load(
              pid,
              c,
              () => ({
                url: kiln.variantUrl(index, `w=512,h=${512 + n++},fit=scale-down,metadata=none,f=jpeg`),
              }),
              { count: MISSES },
            ),
          () => load(process.pid, c, () => sharpDirect, { count: MISSES }),
          () =>
            load(
              ipx.proc.pid!,
              c,
              () => ({ url: `${ipx.url}/s_512x${512 + n++},fit_inside,f_jpeg,q_85/${path.name}` }),
              { count: MISSES },
            ),
        ]);
        const rps = (m: Measure) => m.n / m.seconds;
        line(`miss 512px jpeg c=${c} kiln      ${fmt(k!)}`);
        line(
          `miss 512px jpeg c=${c} sharp     ${fmt(s!)}  kiln/sharp req/s ${(rps(k!) / rps(s!)).toFixed(2)}`,
        );
        line(
          `miss 512px jpeg c=${c} ipx       ${fmt(i!)}  kiln p99 / ipx p99 ${(pct(k!, 99) / pct(i!, 99)).toFixed(2)}`,
        );
      }
    }
    console.log('\n# summary\n' + rows.join('\n'));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await kiln.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
