/**
 * imgproxy's options as Kiln's one transform plan, in imgproxy's order: rotate, crop, resize (with
 * its resizing type, enlarge and extend), zoom, min-width/height, padding; then the effects and the
 * output. Defaults are imgproxy's: fit, no enlarge, auto-rotate, metadata stripped but the copyright
 * kept, and the format from the Accept header (WebP/AVIF detection) when none is given.
 */
import {
  CENTER,
  emptyPlan,
  type Fit,
  type Gravity,
  type Length,
  type TransformPlan,
} from '../transform-plan.js';
import { IMGPROXY_PUBLIC, imgproxyError } from './imgproxy-error.js';
import { type ImgproxyGravity, type ImgproxyOptions, normalFormat } from './imgproxy-options.js';

const SIDES: Record<string, [number, number]> = {
  no: [0.5, 0],
  so: [0.5, 1],
  ea: [1, 0.5],
  we: [0, 0.5],
  noea: [1, 0],
  nowe: [0, 0],
  soea: [1, 1],
  sowe: [0, 1],
  ce: [0.5, 0.5],
};

/** Formats Kiln encodes; imgproxy's other formats are known but answered as unsupported here. */
const KILN_FORMATS = new Set(['jpeg', 'png', 'webp', 'avif', 'gif']);
const IMGPROXY_FORMATS = new Set([...KILN_FORMATS, 'tiff', 'bmp', 'ico', 'heic', 'jxl', 'svg', 'best']);

export function toGravity(g: ImgproxyGravity | undefined): Gravity {
  if (!g) return CENTER;
  if (g.type === 'sm') return { kind: 'smart', strategy: 'attention' };
  if (g.type === 'fp') return { kind: 'focus', x: g.x, y: g.y };
  const [x, y] = SIDES[g.type]!;
  return g.x || g.y ? { kind: 'align', x, y, offset: { x: g.x, y: g.y } } : { kind: 'align', x, y };
}

/** The output format: the option, else the extension, else negotiated from Accept. */
export function imgproxyFormat(o: ImgproxyOptions, extension?: string): TransformPlan['output']['format'] {
  const wanted = o.format ?? (extension ? normalFormat(extension) : undefined);
  if (wanted === undefined) return 'auto';
  if (!IMGPROXY_FORMATS.has(wanted))
    throw imgproxyError(404, IMGPROXY_PUBLIC.invalidUrl, `Invalid format: ${wanted}`);
  if (!KILN_FORMATS.has(wanted))
    throw imgproxyError(
      422,
      IMGPROXY_PUBLIC.unsupportedFormat,
      `Resulting image format is not supported: ${wanted}`,
    );
  return wanted as TransformPlan['output']['format'];
}

const length = (v: number): Length | undefined => (v === 0 ? undefined : v < 1 ? { pct: v * 100 } : v);

export function imgproxyPlan(o: ImgproxyOptions, extension?: string): TransformPlan {
  const plan = emptyPlan();
  plan.autoOrient = o.autoRotate ?? true;
  plan.dpr = o.dpr ?? 1;
  if (o.rotate) plan.geometry.push({ op: 'rotate', angle: o.rotate as 90 | 180 | 270 });
  if (o.trim) plan.autoTrim = { threshold: o.trim.threshold };
  if (o.crop) {
    plan.geometry.push({
      op: 'crop',
      width: length(o.crop.width),
      height: length(o.crop.height),
      gravity: toGravity(o.crop.gravity ?? o.gravity),
    });
  }
  const width = o.width || undefined;
  const height = o.height || undefined;
  if (width !== undefined || height !== undefined) {
    const type = o.resizingType ?? 'fit';
    const enlarge = o.enlarge ?? false;
    const extend = o.extend?.extend === true;
    let fit: Fit = type === 'force' ? 'fill' : type === 'fit' ? 'contain' : 'cover';
    let gravity = toGravity(o.gravity);
    if (fit === 'contain' && extend && width !== undefined && height !== undefined) {
      fit = 'pad';
      gravity = toGravity(o.extend?.gravity);
    }
    plan.geometry.push({
      op: 'resize',
      width,
      height,
      fit,
      gravity,
      withoutEnlargement: !enlarge,
      ...(type === 'auto' && fit === 'cover' && { auto: true }),
    });
  }
  if (o.extendAspectRatio?.extend && width !== undefined && height !== undefined && !o.extend?.extend)
    plan.geometry.push({
      op: 'extend-ratio',
      ratio: [width, height],
      gravity: toGravity(o.extendAspectRatio.gravity),
    });
  if (o.zoom) plan.geometry.push({ op: 'zoom', x: o.zoom[0], y: o.zoom[1] });
  if (o.minWidth || o.minHeight)
    plan.geometry.push({ op: 'min-size', width: o.minWidth || undefined, height: o.minHeight || undefined });
  if (o.padding) {
    const [top, right, bottom, left] = o.padding;
    plan.geometry.push({ op: 'pad', top, right, bottom, left });
  }
  if (o.background) plan.background = o.background;
  if (o.blur) plan.effects.blur = o.blur;
  if (o.sharpen) plan.effects.sharpen = o.sharpen;
  if (o.pixelate && o.pixelate > 1) plan.effects.pixelate = o.pixelate;
  const strip = o.stripMetadata ?? true;
  plan.metadata = !strip ? 'keep' : (o.keepCopyright ?? true) ? 'copyright' : 'none';
  plan.output.format = imgproxyFormat(o, extension);
  const quality = o.quality || o.formatQuality?.[plan.output.format];
  if (quality) plan.output.quality = quality;
  if (o.maxBytes) plan.output.maxBytes = o.maxBytes;
  return plan;
}
