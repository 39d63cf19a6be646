/**
 * Image transform throughput, in one run: the fixture photos fit to 512 px as JPEG, WebP and AVIF at
 * 2 and 8 concurrent clients, through a real Kiln server process over HTTP (cache misses, then cache
 * hits), next to sharp called directly in-process with the same operations on the same files, printed
 * as a ratio. Kiln's ImageService in-process is measured too, to split HTTP/server cost from engine cost.
 *
 *   npm run build && node --import tsx bench/images.ts [--requests N] [--hits N] \
 *     [--formats jpeg,webp,avif] [--concurrency 2,8] [--rounds N]
 *
 * Misses: every request asks for `w=512,h=<512+n>,fit=scale-down` through flexible variants. The
 * photos are 2560x1600, so every such box gives the same 512x320 output as the baseline's 512x512
 * box (checked below: the bytes are compared once per format), while each request has a canonical
 * key of its own and so is a full miss: render, variant write, rendition row (the source's bytes come
 * from the server's source cache after the first miss, as they do when a page asks for several sizes).
 * Hits: one URL repeated with plain GETs (no If-None-Match, so 200s with the body, never 304).
 *
 * Remote sources (KILN_IMAGE_SOURCES): the same misses through `/cdn-cgi/image/<options>/<URL>` of
 * a loopback origin serving the photos. "remote miss": the source already in the source cache (the
 * goal is the same >= 0.9 of sharp direct as for uploaded images); "remote cold": every request a
 * new source URL (a query makes it one), so each pays the origin fetch, the store write and the row.
 */
import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config/config.js';
import { createImageService } from '../src/core/images/image-service.js';
import { parseCloudflareOptions } from '../src/core/images/parse-cloudflare-options.js';
import { ENCODER_DEFAULTS } from '../src/core/images/pipeline/encode.js';
import { openTestBlobStore } from '../test/support/test-blob-store.js';
import { fixturePhotos } from '../test/support/test-images.js';
import { type KilnImageServer, startKilnImageServer } from './kiln-image-server.js';

type Format = 'jpeg' | 'webp' | 'avif';

interface BenchTarget {
  name: string;
  /** One request: fixture `index`, output format, a request number unique in the run. */
  request(index: number, format: Format, n: number): Promise<void>;
  close?(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '48' },
    hits: { type: 'string', default: '400' },
    formats: { type: 'string', default: 'jpeg,webp,avif' },
    concurrency: { type: 'string', default: '2,8' },
    rounds: { type: 'string', default: '3' },
  },
});
const REQUESTS = Number(values.requests);
const HITS = Number(values.hits);
const FORMATS = values.formats!.split(',') as Format[];
const CONCURRENCY = values.concurrency!.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const QUALITY = 85; // Cloudflare's default, which the parsed options carry

const photos = fixturePhotos();

function sharpDirect(index: number, format: Format): Promise<Buffer> {
  let img = sharp(photos[index]!.data)
    .autoOrient()
    .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb');
  // Cloudflare's `format=jpeg` is progressive (`baseline-jpeg` is not): the same encoder settings here.
  if (format === 'jpeg') img = img.jpeg({ ...ENCODER_DEFAULTS.jpeg, quality: QUALITY, progressive: true });
  else if (format === 'webp') img = img.webp({ ...ENCODER_DEFAULTS.webp, quality: QUALITY });
  else img = img.avif({ ...ENCODER_DEFAULTS.avif, quality: QUALITY });
  return img.toBuffer();
}

const directSharp: BenchTarget = {
  name: 'sharp direct',
  request: async (index, format) => void (await sharpDirect(index, format)),
};

const missOptions = (format: Format, n: number) =>
  `w=512,h=${512 + n},fit=scale-down,metadata=none,f=${format}`;

async function kilnService(): Promise<BenchTarget> {
  const config = loadConfig({}, {});
  // The real store (FsBlobStore on a temp dir; S3 on s3rver with KILN_TEST_STORAGE=s3).
  const blobs = await openTestBlobStore();
  const { store } = blobs;
  for (const [i, p] of photos.entries()) await store.put(`sources/${i}`, p.data);
  const service = createImageService(config);
  return {
    name: 'ImageService in-process',
    // The HTTP misses' work without HTTP and the database: a distinct canonical key per request, the
    // source version fixed (so its header and bytes are cached as they are in the server).
    request: async (index, format, n) => {
      await service.transform({
        sourceKey: `sources/${index}`,
        sourceEtag: 'bench',
        store,
        plan: parseCloudflareOptions(missOptions(format, n)),
      });
    },
    close: () => blobs.close(),
  };
}

/**
 * GET with node:http on a keep-alive agent: the load generator shares the 2 cores with the server,
 * and this costs about half the CPU per request of fetch() (WHATWG streams), which the HTTP columns
 * would otherwise be charged for.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function fetchOk(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200)
          reject(new Error(`${url}: ${res.statusCode} ${body.subarray(0, 200).toString()}`));
        else resolve(body);
      });
    }).on('error', reject);
  });
}

function httpMisses(server: KilnImageServer): BenchTarget {
  return {
    name: 'HTTP miss',
    request: async (index, format, n) =>
      void (await fetchOk(server.variantUrl(index, missOptions(format, n)))),
  };
}

function httpHits(server: KilnImageServer): BenchTarget {
  return {
    name: 'HTTP hit',
    request: async (index, format) =>
      void (await fetchOk(server.variantUrl(index, `w=512,h=512,fit=scale-down,metadata=none,f=${format}`))),
  };
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

interface Sample {
  latencies: number[];
  seconds: number;
}

let counter = 0;
async function run(
  target: BenchTarget,
  format: Format,
  concurrency: number,
  requests: number,
): Promise<Sample> {
  for (let i = 0; i < concurrency; i++) await target.request(i % photos.length, format, ++counter); // warm up
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        await target.request(i % photos.length, format, ++counter);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/**
 * The machine is shared, so the targets of a cell take turns: ROUNDS passes, each running every
 * target for its share of the requests, and the samples are pooled. Slow drift in the background
 * load then hits all targets alike instead of whichever happened to run during it.
 */
async function measureCell(targets: Array<[BenchTarget, number]>, format: Format, concurrency: number) {
  const samples = targets.map(() => ({ latencies: [] as number[], seconds: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, [target, requests]] of targets.entries()) {
      const s = await run(target, format, concurrency, Math.ceil(requests / ROUNDS));
      samples[t]!.latencies.push(...s.latencies);
      samples[t]!.seconds += s.seconds;
    }
  }
  return samples.map(({ latencies, seconds }): Result => {
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    return { rps: latencies.length / seconds, p50: pct(50), p99: pct(99) };
  });
}

/** The server's miss output must be the baseline's output, or the comparison is not the same work. */
async function checkSameWork(server: KilnImageServer): Promise<string> {
  const notes: string[] = [];
  for (const format of FORMATS) {
    let same = 0;
    for (const i of photos.keys()) {
      const direct = await sharpDirect(i, format);
      const served = await fetchOk(server.variantUrl(i, missOptions(format, ++counter)));
      const [a, b] = await Promise.all([sharp(direct).metadata(), sharp(served).metadata()]);
      if (a.width !== b.width || a.height !== b.height || a.format !== b.format)
        throw new Error(
          `${format}: server gave ${b.width}x${b.height} ${b.format}, sharp ${a.width}x${a.height}`,
        );
      if (direct.equals(served)) same++;
    }
    notes.push(`${format} ${same}/${photos.length} byte-identical`);
  }
  return notes.join(', ');
}

/** A loopback origin serving the photos at `/photo-<index>.jpg` (any query), long-cacheable. */
async function startPhotoOrigin() {
  const server = createServer((req, res) => {
    const m = /^\/photo-(\d+)\.jpg/.exec(req.url ?? '');
    const photo = m ? photos[Number(m[1])] : undefined;
    if (!photo) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': 'image/jpeg',
      'cache-control': 'max-age=86400',
      etag: `"p${m![1]}"`,
    });
    res.end(photo.data);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((done) => server.close(() => done())) };
}

function remoteTarget(server: KilnImageServer, origin: string, cold: boolean): BenchTarget {
  return {
    name: cold ? 'remote cold' : 'remote miss',
    request: async (index, format, n) => {
      const source = `${origin}/photo-${index}.jpg${cold ? `?n=${n}` : ''}`;
      void (await fetchOk(`${server.url}/cdn-cgi/image/${missOptions(format, n)}/${source}`));
    },
  };
}

const cell = (r: Result) =>
  `${r.rps.toFixed(1).padStart(6)} ${r.p50.toFixed(0).padStart(5)} ${r.p99.toFixed(0).padStart(5)}`;

async function main(): Promise<void> {
  const origin = await startPhotoOrigin();
  const server = await startKilnImageServer(photos, {
    KILN_IMAGE_SOURCES: `${origin.url}/`,
    KILN_ALLOW_PRIVATE_FETCH: '1',
  });
  const service = await kilnService();
  try {
    console.log(
      `images bench: ${photos.map((p) => p.name).join(', ')} -> fit 512 (512x320), quality ${QUALITY}; ` +
        `${REQUESTS} misses / ${HITS} hits per cell in ${ROUNDS} interleaved rounds; ${availableParallelism()} CPUs, libvips threads ` +
        `${sharp.concurrency()}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, server pid ${server.process.pid}`,
    );
    console.log(`same work: server output vs sharp direct: ${await checkSameWork(server)}`);
    // The ceiling for any server on this machine: what libvips itself does with each photo.
    const perPhoto = [];
    for (const [i, photo] of photos.entries()) {
      const one: BenchTarget = {
        name: photo.name,
        request: (_, format) => directSharp.request(i, format, 0),
      };
      const { latencies, seconds } = await run(one, FORMATS[0]!, 2, REQUESTS);
      perPhoto.push(`${photo.name} ${(latencies.length / seconds).toFixed(1)} req/s`);
    }
    console.log(`sharp direct per photo, ${FORMATS[0]} at 2 clients: ${perPhoto.join(', ')}`);
    console.log(
      'fmt  c | sharp direct     req/s p50ms p99ms | ImageService in-proc  ratio | HTTP miss              ratio | HTTP hit req/s',
    );
    for (const format of FORMATS) {
      for (const c of CONCURRENCY) {
        const [base, svc, miss, hit] = await measureCell(
          [
            [directSharp, REQUESTS],
            [service, REQUESTS],
            [httpMisses(server), REQUESTS],
            [httpHits(server), HITS],
          ],
          format,
          c,
        );
        console.log(
          `${format.padEnd(4)} ${c} | ${' '.repeat(12)}${cell(base)} | ${cell(svc)}  ${(svc.rps / base.rps).toFixed(2).padStart(5)} | ` +
            `${cell(miss)}  ${(miss.rps / base.rps).toFixed(2).padStart(5)} | ${hit.rps.toFixed(0).padStart(7)}`,
        );
      }
    }
    console.log(
      'remote sources (/cdn-cgi/image/ of a loopback origin)\n' +
        'fmt  c | sharp direct     req/s p50ms p99ms | remote miss (source cached) ratio | remote cold (origin fetch)  ratio',
    );
    const warm = remoteTarget(server, origin.url, false);
    for (const i of photos.keys()) await warm.request(i, FORMATS[0]!, ++counter); // sources into the cache
    for (const format of FORMATS) {
      for (const c of CONCURRENCY) {
        const [base, miss, cold] = await measureCell(
          [
            [directSharp, REQUESTS],
            [warm, REQUESTS],
            [remoteTarget(server, origin.url, true), REQUESTS],
          ],
          format,
          c,
        );
        console.log(
          `${format.padEnd(4)} ${c} | ${' '.repeat(12)}${cell(base)} | ${cell(miss)}       ${(miss.rps / base.rps).toFixed(2).padStart(5)} | ` +
            `${cell(cold)}      ${(cold.rps / base.rps).toFixed(2).padStart(5)}`,
        );
      }
    }
  } finally {
    await service.close?.();
    await server.close();
    await origin.close();
    agent.destroy();
  }
}

await main();
