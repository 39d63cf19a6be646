/**
 * Image transform throughput on cache misses: Kiln's ImageService in-process next to sharp called
 * directly with the same operations on the same fixture photos (fit to 512 px as JPEG, WebP, AVIF),
 * at 2 and 8 concurrent clients, measured in the same run and printed as a ratio.
 *
 *   node --import tsx bench/images.ts [--requests N] [--formats jpeg,webp,avif] [--concurrency 2,8]
 *
 * Targets share one interface, so an HTTP target plugs in beside them: set
 * KILN_BENCH_HTTP_URL to a template such as
 *   http://127.0.0.1:8080/cdn-cgi/image/w=512,h=512,fit=scale-down,f={format}/{fixture}?v={n}
 * ({n} makes every request a cache miss) and it is measured too.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadConfig } from '../src/config/config.js';
import { createImageService } from '../src/core/images/image-service.js';
import { parseCloudflareOptions } from '../src/core/images/parse-cloudflare-options.js';
import { ENCODER_DEFAULTS } from '../src/core/images/pipeline/encode.js';
import { openTestBlobStore } from '../test/support/test-blob-store.js';
import { fixturePhotos } from '../test/support/test-images.js';

type Format = 'jpeg' | 'webp' | 'avif';

interface BenchTarget {
  name: string;
  /** One cache-miss request: fixture `index`, output format, a unique request number. */
  request(index: number, format: Format, n: number): Promise<void>;
  close?(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '40' },
    formats: { type: 'string', default: 'jpeg,webp,avif' },
    concurrency: { type: 'string', default: '2,8' },
  },
});
const REQUESTS = Number(values.requests);
const FORMATS = values.formats!.split(',') as Format[];
const CONCURRENCY = values.concurrency!.split(',').map(Number);
const QUALITY = 85; // Cloudflare's default, which the parsed options carry

const photos = fixturePhotos();

function directSharp(): BenchTarget {
  return {
    name: 'sharp direct',
    async request(index, format) {
      let img = sharp(photos[index]!.data)
        .autoOrient()
        .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb');
      if (format === 'jpeg') img = img.jpeg({ ...ENCODER_DEFAULTS.jpeg, quality: QUALITY });
      else if (format === 'webp') img = img.webp({ ...ENCODER_DEFAULTS.webp, quality: QUALITY });
      else img = img.avif({ ...ENCODER_DEFAULTS.avif, quality: QUALITY });
      await img.toBuffer();
    },
  };
}

async function kilnService(): Promise<BenchTarget> {
  const config = loadConfig({}, {});
  // The real store (FsBlobStore on a temp dir; S3 on s3rver with KILN_TEST_STORAGE=s3).
  const blobs = await openTestBlobStore();
  const { store } = blobs;
  for (const [i, p] of photos.entries()) await store.put(`sources/${i}`, p.data);
  const service = createImageService(config);
  const plans = Object.fromEntries(
    FORMATS.map((f) => [f, parseCloudflareOptions(`w=512,h=512,fit=scale-down,f=${f}`)]),
  );
  return {
    name: `ImageService (concurrency ${config.imageConcurrency})`,
    // A new source etag per request makes each one a full miss: source read, header check, render, store.
    request: async (index, format, n) => {
      await service.transform({
        sourceKey: `sources/${index}`,
        sourceEtag: `bench-${n}`,
        store,
        plan: plans[format]!,
      });
    },
    close: () => blobs.close(),
  };
}

function httpTarget(template: string): BenchTarget {
  return {
    name: `HTTP ${new URL(template.replace(/[{}]/g, '')).host}`,
    async request(index, format, n) {
      const url = template
        .replace('{format}', format)
        .replace('{fixture}', photos[index]!.name)
        .replace('{n}', String(n));
      const res = await fetch(url, { headers: { accept: `image/${format}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
    },
  };
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

let counter = 0;
async function measure(target: BenchTarget, format: Format, concurrency: number): Promise<Result> {
  for (let i = 0; i < 2; i++) await target.request(i % photos.length, format, ++counter); // warm up
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = performance.now();
        await target.request(i % photos.length, format, ++counter);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { rps: REQUESTS / seconds, p50: pct(50), p99: pct(99) };
}

const fmt = (r: Result) =>
  `${r.rps.toFixed(1).padStart(7)} req/s  p50 ${r.p50.toFixed(0).padStart(5)} ms  p99 ${r.p99.toFixed(0).padStart(5)} ms`;

async function main(): Promise<void> {
  const baseline = directSharp();
  const targets = [await kilnService()];
  if (process.env.KILN_BENCH_HTTP_URL) targets.push(httpTarget(process.env.KILN_BENCH_HTTP_URL));
  console.log(
    `images bench: ${photos.map((p) => p.name).join(', ')} -> fit 512, quality ${QUALITY}; ${REQUESTS} requests per cell; ` +
      `${availableParallelism()} CPUs, libvips threads ${sharp.concurrency()}, sharp ${sharp.versions.sharp}`,
  );
  for (const format of FORMATS) {
    for (const concurrency of CONCURRENCY) {
      const base = await measure(baseline, format, concurrency);
      console.log(`${format.padEnd(5)} c=${concurrency}  ${baseline.name.padEnd(34)} ${fmt(base)}`);
      for (const target of targets) {
        const r = await measure(target, format, concurrency);
        console.log(
          `${format.padEnd(5)} c=${concurrency}  ${target.name.padEnd(34)} ${fmt(r)}  ratio ${(r.rps / base.rps).toFixed(2)}`,
        );
      }
    }
  }
  for (const t of targets) await t.close?.();
}

await main();
