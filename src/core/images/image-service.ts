/**
 * Transforms with a variant cache: negotiate the output format, canonicalise the plan against the
 * source, derive the variant key from the source, its etag, the canonical plan and the format, serve
 * a stored variant when present, otherwise render once per key (single-flight) under the work
 * limiter (admission by estimated cost) and store the result atomically. Servers call it through
 * VariantRenderer, which records the variant and keeps the store under its caps.
 */
import { createHash } from 'node:crypto';
import { readSmallBlob } from '../../adapters/blobs/read-small-blob.js';
import type { KilnConfig } from '../../config/config.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { HotCache } from '../delivery/hot-cache.js';
import { canonicalizeForSource } from './canonicalize-for-source.js';
import { estimateTransformCost } from './estimate-cost.js';
import { CONTENT_TYPES, negotiateFormat } from './format-negotiation.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits, inspectImage } from './image-guard.js';
import { ImageWorkLimiter } from './image-work-limiter.js';
import { runPipeline } from './pipeline/run-pipeline.js';
import { readSource } from './read-source.js';
import { SingleFlight } from './single-flight.js';
import { SourceCache } from './source-cache.js';
import type { SourceMeta } from './source-meta.js';
import { type ConcreteFormat, canonicalKey, type TransformPlan } from './transform-plan.js';
import { variantName } from './variant-name.js';

export interface ImageServiceOptions {
  limits?: Partial<ImageLimits>;
  /** Largest source read into memory (bytes). */
  maxSourceBytes?: number;
  concurrency?: number;
  queueSize?: number;
  /** Memory that transforms may hold at once (bytes, by estimated cost; default: no budget). */
  memoryBudgetBytes?: number;
  /** Bytes of recently read sources kept in memory (0: none). */
  sourceCacheBytes?: number;
  /** Hot variants in memory: hits then read neither the disk nor S3. */
  hot?: HotCache;
}

export interface TransformRequest {
  sourceKey: string;
  /** Changes when the source bytes change, so stale variants are never served. */
  sourceEtag?: string;
  store: BlobStore;
  plan: TransformPlan;
  /** The request's Accept header, for format `auto`. */
  accept?: string;
}

export interface TransformResult {
  key: string;
  size: number;
  contentType: string;
  /** Strong validator, quoted. */
  etag: string;
  /** Send `Vary: Accept`. */
  varyAccept: boolean;
  format: ConcreteFormat;
  /** Bytes newly stored by this call (0 on a cache hit or a shared run): add to the account's usage. */
  bytesWritten: number;
  cached: boolean;
  /** The variant's bytes when in memory (rendered by this call, or a hot hit): sent without a read. */
  data?: Buffer;
  /** The plan canonicalised against the source and format (what the variant is keyed by). */
  plan: TransformPlan;
  /** The variant's one name across grammars (rendition name, getstream link part). */
  name: string;
}

const META_CACHE_SIZE = 1000;
const KEY_CACHE_SIZE = 4096;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every variant of a source lives under this prefix (deletePrefix on asset removal). */
export function variantPrefix(sourceKey: string): string {
  return `variants/${sha256(sourceKey).slice(0, 32)}/`;
}

interface Derived {
  plan: TransformPlan;
  name: string;
  key: string;
  etag: string;
}

export class ImageService {
  readonly limits: ImageLimits;
  readonly limiter: ImageWorkLimiter;
  private readonly maxSourceBytes: number;
  private readonly flights = new SingleFlight<TransformResult>();
  private readonly metaFlights = new SingleFlight<{ input: Buffer; meta: SourceMeta }>();
  /** Header facts per source version, so cache hits never read the source (LRU by re-insertion). */
  private readonly metaCache = new Map<string, SourceMeta>();
  private readonly sources: SourceCache;
  private readonly hot: HotCache | undefined;
  /** What a (source, plan, format) derives to: canonical plan, name, key, etag (LRU by re-insertion). */
  private readonly derived = new Map<string, Derived>();
  /** Canonical key text per plan object: a plan cached with its URL's resolution is keyed once. */
  private readonly planKeys = new WeakMap<TransformPlan, string>();
  /** Number of pipeline runs (observability and the single-flight tests). */
  renders = 0;

  constructor(options: ImageServiceOptions = {}) {
    this.limits = { ...DEFAULT_IMAGE_LIMITS, ...options.limits };
    this.maxSourceBytes = options.maxSourceBytes ?? 100 * 1024 * 1024;
    this.limiter = new ImageWorkLimiter(
      options.concurrency ?? 2,
      options.queueSize ?? 64,
      options.memoryBudgetBytes ?? Number.POSITIVE_INFINITY,
    );
    this.sources = new SourceCache(options.sourceCacheBytes ?? 64 * 1024 * 1024);
    this.hot = options.hot;
  }

  async transform(req: TransformRequest): Promise<TransformResult> {
    const sourceId = `${req.sourceKey}\n${req.sourceEtag ?? ''}`;
    // The header decides `auto` (alpha, animation) and `original`; it is read before any decode.
    let input = this.sources.get(sourceId);
    let meta = this.metaCache.get(sourceId);
    if (!meta) {
      ({ input, meta } = await this.load(req, sourceId));
    }
    const { format, varyAccept } = negotiateFormat(req.accept, req.plan, meta);
    const { plan, name, key, etag } = this.derive(sourceId, req.sourceKey, req.plan, meta, format);
    const contentType = CONTENT_TYPES[format];
    const hit = (data: Buffer | undefined, size: number): TransformResult => ({
      key,
      size,
      contentType,
      etag,
      varyAccept,
      format,
      bytesWritten: 0,
      cached: true,
      data,
      plan,
      name,
    });
    // Variant keys name immutable bytes (source sha256 + canonical plan + format): memory is as good as the store.
    const inMemory = this.hot?.get(key);
    if (inMemory) return hit(inMemory, inMemory.length);
    // One open and one sized read (one GET on S3) for a small variant; info only for a large one.
    const found = await readSmallBlob(req.store, key, this.hot?.maxEntryBytes ?? 0);
    // Variants are written without fsync (a cache): an empty file is what a machine crash can leave.
    if (found && found.info.size > 0) {
      if (found.data) this.hot?.set(key, found.data);
      return hit(found.data, found.info.size);
    }

    let leader = false;
    const result = await this.flights.run(key, async () => {
      leader = true;
      // Admitted by estimated memory: refused here (before the source is read or decoded) when the
      // estimate alone is over the budget, queued while the budget is busy.
      const cost = estimateTransformCost(meta!, plan, format);
      const out = await this.limiter.run(async () => {
        // A cached header means the limits were already checked for this source version: read only.
        input ??= await this.read(req, sourceId);
        this.renders++;
        return runPipeline(input, meta!, plan, format, this.limits);
      }, cost.bytes);
      const info = await req.store.put(key, out.data, { contentType, durable: false });
      this.hot?.set(key, out.data);
      return {
        key,
        size: info.size,
        contentType,
        etag,
        varyAccept,
        format,
        bytesWritten: info.size,
        cached: false,
        data: out.data,
        plan,
        name,
      };
    });
    return leader ? result : { ...result, bytesWritten: 0 };
  }

  /** Canonicalises the plan against the source and derives its key: once per (source, plan, format). */
  private derive(
    sourceId: string,
    sourceKey: string,
    requested: TransformPlan,
    meta: SourceMeta,
    format: ConcreteFormat,
  ): Derived {
    let planKey = this.planKeys.get(requested);
    if (planKey === undefined) {
      planKey = canonicalKey(requested);
      this.planKeys.set(requested, planKey);
    }
    const id = `${sourceId}\n${planKey}\n${format}`;
    let d = this.derived.get(id);
    if (d) {
      this.derived.delete(id);
      this.derived.set(id, d);
      return d;
    }
    // Plans whose results cannot differ for this source share one key (and one stored variant).
    const plan = canonicalizeForSource(requested, meta, format);
    const digest = sha256(`${sourceId}\n${canonicalKey(plan)}\n${format}`);
    d = {
      plan,
      name: variantName(plan, format),
      key: variantPrefix(sourceKey) + digest,
      etag: `"${digest.slice(0, 40)}"`,
    };
    this.derived.set(id, d);
    if (this.derived.size > KEY_CACHE_SIZE) this.derived.delete(this.derived.keys().next().value!);
    return d;
  }

  private load(req: TransformRequest, sourceId: string): Promise<{ input: Buffer; meta: SourceMeta }> {
    return this.metaFlights.run(sourceId, async () => {
      const input = await this.read(req, sourceId);
      const meta = await inspectImage(input, this.limits);
      this.metaCache.delete(sourceId);
      this.metaCache.set(sourceId, meta);
      if (this.metaCache.size > META_CACHE_SIZE) this.metaCache.delete(this.metaCache.keys().next().value!);
      return { input, meta };
    });
  }

  private async read(req: TransformRequest, sourceId: string): Promise<Buffer> {
    const input = await readSource(req.store, req.sourceKey, this.maxSourceBytes);
    this.sources.set(sourceId, input);
    return input;
  }
}

/** The service as the server builds it: limits, concurrency and queue from the one config. */
export function createImageService(config: KilnConfig, hot?: HotCache): ImageService {
  return new ImageService({
    limits: {
      maxInputPixels: config.imageMaxInputPixels,
      maxOutputDimension: config.imageMaxOutputDimension,
      maxFrames: config.imageMaxFrames,
      timeoutSeconds: config.imageTimeoutSeconds,
    },
    concurrency: config.imageConcurrency,
    queueSize: config.imageQueueSize,
    memoryBudgetBytes: config.imageMemoryBudgetMb * 1024 * 1024,
    sourceCacheBytes: config.imageSourceCacheMb * 1024 * 1024,
    hot,
  });
}
