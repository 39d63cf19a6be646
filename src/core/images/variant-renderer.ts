/**
 * The one way every grammar (Cloudflare, Uploadcare, getstream, Kiln's own image route) turns an
 * image asset and a plan into a stored variant: transform (variant cache, single-flight, admission by
 * cost), record the variant as a rendition of its asset under its one name (so its bytes count in the
 * account's storage), note its use, and ask for eviction when the asset or the account goes over its
 * cap.
 *
 * Over a cap, the new variant is still stored and served; the eviction job, armed here, brings the
 * store back under the cap, least recently used first. Serving without storing was the other choice,
 * and the worse one: a page that shows more sizes than the cap would then re-render on every view
 * (CPU is the scarcer resource, and admission only bounds it per process), whereas the overshoot of
 * storing is bounded by the misses of one eviction period, themselves bounded by admission.
 */

import type { Asset } from '../assets/asset.js';
import type { RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { errors } from '../errors/kiln-error.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { scheduleEviction } from './evict-variants.js';
import type { ImageService, TransformResult } from './image-service.js';
import type { TransformPlan } from './transform-plan.js';
import type { VariantCaps, VariantStats } from './variant-limits.js';
import { VARIANT_KIND } from './variant-name.js';
import type { VariantRepository } from './variant-repository.js';
import type { VariantUsageTracker } from './variant-usage-tracker.js';

export interface VariantRendererDeps {
  images: ImageService;
  blobs: BlobStore;
  jobs: JobQueue;
  renditions: RenditionRepository;
  variants: VariantRepository;
  usage: VariantUsageTracker;
  caps: VariantCaps;
  stats: VariantStats;
  /** Counts transforms per account: hits, misses and render time. */
  meter?: UsageMeter;
}

export interface RenderOptions {
  /** The request's Accept header, for format `auto`. */
  accept?: string;
  /**
   * For variants that are objects with links of their own (getstream): the row is always recorded,
   * marked addressed (eviction keeps it and drops only the bytes) with the plan, and with the facts
   * this returns given the facts of the existing row (null for a new one).
   */
  addressed?: (existing: Record<string, unknown> | null) => Record<string, unknown>;
}

export class VariantRenderer {
  constructor(private readonly deps: VariantRendererDeps) {}

  async render(asset: Asset, plan: TransformPlan, options: RenderOptions = {}): Promise<TransformResult> {
    const { images, blobs, variants } = this.deps;
    if (!asset.blobKey) throw errors.notFound('Image');
    const started = performance.now();
    const result = await images.transform({
      sourceKey: asset.blobKey,
      sourceEtag: asset.sha256 ?? asset.updatedAt,
      store: blobs,
      plan,
      accept: options.accept,
    });
    const meter = this.deps.meter;
    if (meter) {
      meter.add(asset.accountId, result.cached ? 'transform_hits' : 'transform_misses', 1);
      if (!result.cached) meter.add(asset.accountId, 'transform_render_ms', performance.now() - started);
    }
    const stored = {
      assetId: asset.id,
      accountId: asset.accountId,
      name: result.name,
      blobKey: result.key,
      size: result.size,
      contentType: result.contentType,
    };
    if (options.addressed) {
      const existing = await this.deps.renditions.find(asset.id, VARIANT_KIND, result.name);
      const facts = options.addressed(existing?.extra.addressed === true ? existing.extra : null);
      await variants.record(stored, { ...facts, plan: result.plan, addressed: true }, true);
    } else if (result.bytesWritten > 0) {
      await variants.record(stored, {}, false);
    } else {
      this.deps.usage.touch(asset.id, result.name);
    }
    if (result.bytesWritten > 0) {
      this.deps.stats.stored++;
      this.deps.stats.storedBytes += result.bytesWritten;
      await this.enforceCaps(asset);
    }
    return result;
  }

  /** Arms the eviction run when this asset or its account holds more than its cap. */
  private async enforceCaps(asset: Asset): Promise<void> {
    const { caps, variants } = this.deps;
    const over =
      (caps.perAsset > 0 && (await variants.countForAsset(asset.id)) > caps.perAsset) ||
      (caps.bytesPerAccount > 0 && (await variants.bytesForAccount(asset.accountId)) > caps.bytesPerAccount);
    if (over) await scheduleEviction(this.deps.jobs, asset.accountId, caps.evictionDelaySeconds);
  }
}
