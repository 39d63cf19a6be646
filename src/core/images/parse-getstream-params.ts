/**
 * Stream (getstream.io) CDN image parameters: `w`, `h`, `resize` = clip | crop | scale | fill and
 * `crop` = a comma list of top | bottom | left | right | center (reference/getstream-cdn.md §7.7).
 * Other query parameters (signatures, api_key) are not ours and are ignored.
 */
import { KilnError } from '../errors/kiln-error.js';
import { WHITE } from './color.js';
import { emptyPlan, type Fit, type Gravity, type ResizeStep, type TransformPlan } from './transform-plan.js';

const RESIZE_FITS: Record<string, Fit> = { clip: 'contain', crop: 'cover', scale: 'fill', fill: 'pad' };
const CROP_WORDS = ['top', 'bottom', 'left', 'right', 'center'] as const;

export type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

function read(query: QueryInput, name: string): string | undefined {
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  const v = query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100_000) {
    throw new KilnError('invalid_input', `Invalid "${name}": expected a positive integer, got "${text}"`, {
      details: { field: name },
    });
  }
  return Number(text);
}

export function parseCropGravity(text: string): Gravity {
  const words = text.split(',').map((w) => w.trim().toLowerCase());
  let x: number | undefined;
  let y: number | undefined;
  for (const w of words) {
    if (!(CROP_WORDS as readonly string[]).includes(w)) {
      throw new KilnError('invalid_input', `Invalid "crop": "${w}" is not one of ${CROP_WORDS.join(', ')}`, {
        details: { field: 'crop' },
      });
    }
    const setX = w === 'left' ? 0 : w === 'right' ? 1 : undefined;
    const setY = w === 'top' ? 0 : w === 'bottom' ? 1 : undefined;
    if (
      (setX !== undefined && x !== undefined && x !== setX) ||
      (setY !== undefined && y !== undefined && y !== setY)
    ) {
      throw new KilnError('invalid_input', `Invalid "crop": "${text}" combines opposite sides`, {
        details: { field: 'crop' },
      });
    }
    x = setX ?? x;
    y = setY ?? y;
  }
  return { kind: 'align', x: x ?? 0.5, y: y ?? 0.5 };
}

export function parseGetstreamParams(query: QueryInput): TransformPlan {
  const width = positiveInt('w', read(query, 'w'));
  const height = positiveInt('h', read(query, 'h'));
  const resizeText = read(query, 'resize')?.toLowerCase();
  const cropText = read(query, 'crop');
  if (resizeText !== undefined && !(resizeText in RESIZE_FITS)) {
    throw new KilnError(
      'invalid_input',
      `Invalid "resize": expected clip, crop, scale or fill, got "${resizeText}"`,
      {
        details: { field: 'resize' },
      },
    );
  }
  if (width === undefined && height === undefined) {
    throw new KilnError('invalid_input', 'At least one of "w" and "h" is required', {
      details: { field: 'w' },
    });
  }
  // `crop` without `resize` (the Java SDK's Crop) means resize=crop.
  const mode = resizeText ?? (cropText !== undefined ? 'crop' : 'clip');
  const step: ResizeStep = {
    op: 'resize',
    width,
    height,
    fit: RESIZE_FITS[mode]!,
    gravity: parseCropGravity(cropText ?? 'center'),
    withoutEnlargement: false,
  };
  const plan = emptyPlan();
  plan.geometry.push(step);
  if (mode === 'fill') plan.background = WHITE;
  return plan;
}

/** The inverse, for plans within this grammar (round-trip tests, building variant URLs). */
export function generateGetstreamParams(plan: TransformPlan): Record<string, string> {
  const step = plan.geometry[0];
  if (plan.geometry.length !== 1 || step?.op !== 'resize' || step.gravity.kind !== 'align') {
    throw new KilnError('invalid_input', 'This plan cannot be expressed as Stream CDN parameters');
  }
  const mode = Object.entries(RESIZE_FITS).find(([, fit]) => fit === step.fit)![0];
  const out: Record<string, string> = {};
  if (step.width !== undefined) out.w = String(step.width);
  if (step.height !== undefined) out.h = String(step.height);
  out.resize = mode;
  const { x, y } = step.gravity;
  const words = [y === 0 ? 'top' : y === 1 ? 'bottom' : '', x === 0 ? 'left' : x === 1 ? 'right' : ''].filter(
    Boolean,
  );
  out.crop = words.length ? words.join(',') : 'center';
  return out;
}
