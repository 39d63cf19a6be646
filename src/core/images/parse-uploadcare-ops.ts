/**
 * Uploadcare CDN operations: the `-/op/arg/arg/` chain after the file UUID (reference/uploadcare.md §10),
 * run left to right. Input is the chain only (`-/preview/500x500/-/format/webp/`); the HTTP layer
 * strips the UUID and a trailing filename. The operations themselves are rows in UPLOADCARE_OPS.
 */
import { KilnError } from '../errors/kiln-error.js';
import { emptyPlan, type TransformPlan } from './transform-plan.js';
import {
  UPLOADCARE_CORE_OPS,
  UPLOADCARE_MAX_SIZE,
  UPLOADCARE_MAX_SIZE_JPEG,
  UPLOADCARE_OPS,
  type UploadcareCtx,
} from './uploadcare-operations.js';
import { ucFail } from './uploadcare-tokens.js';

export {
  UPLOADCARE_CORE_OPS,
  UPLOADCARE_MAX_SIZE,
  UPLOADCARE_MAX_SIZE_JPEG,
  UPLOADCARE_QUALITY,
} from './uploadcare-operations.js';

/** Splits `-/op/a/b/-/op2/` into [op, args] pairs. */
export function splitUploadcareChain(chain: string): Array<[string, string[]]> {
  const segments = chain.split('/').filter((s) => s.length > 0);
  const out: Array<[string, string[]]> = [];
  for (const seg of segments) {
    if (seg === '-') out.push(['', []]);
    else if (out.length === 0)
      throw new KilnError('invalid_input', `Operations must start with "-/", got "${seg}"`);
    else if (out[out.length - 1]![0] === '') out[out.length - 1]![0] = decode(seg);
    else out[out.length - 1]![1].push(decode(seg));
  }
  if (out.some(([op]) => op === '')) throw new KilnError('invalid_input', 'Empty operation in "-/-/"');
  return out;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new KilnError('invalid_input', `Malformed percent-encoding in "${segment}" (write % as %25)`);
  }
}

/** True when the chain asks for processing; without a core op the CDN serves the original bytes. */
export function hasUploadcareCoreOp(chain: string): boolean {
  return splitUploadcareChain(chain).some(([op]) => (UPLOADCARE_CORE_OPS as readonly string[]).includes(op));
}

export function parseUploadcareOps(chain: string): TransformPlan {
  const ctx: UploadcareCtx = { plan: emptyPlan(), stretch: 'on', sizes: [] };
  ctx.plan.output.format = 'auto';
  const ops = splitUploadcareChain(chain);
  ops.forEach(([name, args], i) => {
    const op = UPLOADCARE_OPS[name];
    if (!op)
      throw new KilnError('invalid_input', `Unknown operation "${name}"`, { details: { field: name } });
    if ((name === 'json' || name === 'main_colors') && i !== ops.length - 1)
      throw ucFail(name, 'must be the last operation');
    op(ctx, args, name);
  });
  const limit = ops.some(([n, a]) => n === 'format' && a[0] === 'jpeg')
    ? UPLOADCARE_MAX_SIZE_JPEG
    : UPLOADCARE_MAX_SIZE;
  for (const s of ctx.sizes) {
    if ((s.width ?? 0) > limit || (s.height ?? 0) > limit) {
      throw ucFail(
        s.op,
        `size ${s.width ?? ''}x${s.height ?? ''} exceeds the maximum ${limit}x${limit}` +
          (limit === UPLOADCARE_MAX_SIZE ? ` (${UPLOADCARE_MAX_SIZE_JPEG} with -/format/jpeg/)` : ''),
      );
    }
  }
  return ctx.plan;
}
