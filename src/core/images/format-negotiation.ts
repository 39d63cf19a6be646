/**
 * Output format: `auto` picks from the Accept header (AVIF, then WebP, then PNG for sources with
 * alpha, else JPEG) and so varies on Accept; `original` keeps the source format when it can be
 * encoded. Animated sources stay animated only in formats that animate (WebP, GIF).
 */
import { imageFormat, imageFormatOfSharpName } from './image-formats.js';
import type { SourceMeta } from './source-meta.js';
import type { ConcreteFormat, TransformPlan } from './transform-plan.js';

export interface NegotiatedFormat {
  format: ConcreteFormat;
  /** True when the answer depends on Accept: callers send `Vary: Accept`. */
  varyAccept: boolean;
}

/** Media types the client accepts with q > 0 (`image/*` and `*\/*` do not count for AVIF/WebP). */
export function acceptedImageTypes(accept: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (type && !(q && Number(q.slice(2)) <= 0)) out.add(type.trim());
  }
  return out;
}

export function negotiateFormat(
  accept: string | undefined,
  plan: TransformPlan,
  source: SourceMeta,
): NegotiatedFormat {
  const wanted = plan.output.format;
  const animated = source.pages > 1 && plan.animation === 'keep';
  if (wanted === 'auto') {
    const types = acceptedImageTypes(accept);
    if (animated) return { format: types.has('image/webp') ? 'webp' : 'gif', varyAccept: true };
    if (types.has('image/avif')) return { format: 'avif', varyAccept: true };
    if (types.has('image/webp')) return { format: 'webp', varyAccept: true };
    return { format: source.hasAlpha ? 'png' : 'jpeg', varyAccept: true };
  }
  if (wanted === 'original') return { format: originalFormat(source), varyAccept: false };
  return { format: wanted, varyAccept: false };
}

function originalFormat(source: SourceMeta): ConcreteFormat {
  const format = imageFormatOfSharpName(source.format);
  // Every format the engine saves is a ConcreteFormat (HEIF-contained AVIF answers as AVIF).
  if (format?.save) return format.name as ConcreteFormat;
  return source.hasAlpha ? 'png' : 'jpeg';
}

export const CONTENT_TYPES: Record<ConcreteFormat, string> = {
  jpeg: imageFormat('jpeg').mime,
  png: imageFormat('png').mime,
  webp: imageFormat('webp').mime,
  avif: imageFormat('avif').mime,
  gif: imageFormat('gif').mime,
  json: 'application/json',
  main_colors: 'application/json',
};
