import { KilnError } from '../../../../core/errors/kiln-error.js';

/** One `meta.<path>[<op>]=<value>` filter of Images v2 list (§4). */
export interface MetaFilter {
  path: string[];
  op: string;
  values: string[];
}

const OPS = [
  'eq',
  'eq:string',
  'eq:number',
  'eq:boolean',
  'gt',
  'gte',
  'lt',
  'lte',
  'gt:number',
  'gte:number',
  'lt:number',
  'lte:number',
  'in',
  'in:string',
  'in:number',
];
const MAX_FILTERS = 5;
const MAX_IN_VALUES = 10;
const MAX_DEPTH = 5;

const bad = (message: string) =>
  new KilnError('invalid_input', message, { details: { cloudflareCode: 5400 } });

/** Reads the filters out of a parsed query string (keys like `meta.status[eq]`). */
export function parseMetaFilters(query: Record<string, unknown>): MetaFilter[] {
  const filters: MetaFilter[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith('meta.')) continue;
    const m = /^meta\.([^[\]]+)\[([^\]]*)\]$/.exec(key);
    if (!m) throw bad(`Malformed metadata filter "${key}": expected meta.<field>[<operator>]`);
    const path = m[1]!.split('.');
    if (path.length > MAX_DEPTH || path.some((p) => p === ''))
      throw bad(`Metadata filter "${key}" nests deeper than ${MAX_DEPTH} levels`);
    const op = m[2]!;
    if (!OPS.includes(op)) throw bad(`Unsupported metadata filter operator: '${op}'`);
    const value = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw ?? '');
    const values = op.startsWith('in') ? value.split('|') : [value];
    if (values.length > MAX_IN_VALUES)
      throw bad(
        `Too many values in an "in" filter: ${values.length} provided, maximum ${MAX_IN_VALUES} allowed`,
      );
    if (/^(gt|gte|lt|lte)/.test(op) || op.endsWith(':number')) {
      for (const v of values)
        if (v === '' || !Number.isFinite(Number(v)))
          throw bad(`Metadata filter "${key}" needs a number, got "${v}"`);
    }
    if (op === 'eq:boolean' && value !== 'true' && value !== 'false')
      throw bad(`Metadata filter "${key}" needs true or false`);
    filters.push({ path, op, values });
  }
  if (filters.length > MAX_FILTERS) {
    throw bad(`Too many metadata filters: ${filters.length} provided, maximum ${MAX_FILTERS} allowed`);
  }
  return filters;
}

/** True when the metadata satisfies every filter (filters AND together). */
export function matchesMetaFilters(meta: Record<string, unknown>, filters: MetaFilter[]): boolean {
  return filters.every((f) => matches(valueAt(meta, f.path), f));
}

function valueAt(meta: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = meta;
  for (const key of path) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function matches(field: unknown, f: MetaFilter): boolean {
  if (field === undefined || field === null || typeof field === 'object') return false;
  const [kind, type] = f.op.split(':') as [string, string | undefined];
  const asNumber =
    typeof field === 'number'
      ? field
      : typeof field === 'string' && field.trim() !== ''
        ? Number(field)
        : Number.NaN;
  if (kind === 'gt' || kind === 'gte' || kind === 'lt' || kind === 'lte') {
    const v = Number(f.values[0]);
    if (Number.isNaN(asNumber)) return false;
    return kind === 'gt'
      ? asNumber > v
      : kind === 'gte'
        ? asNumber >= v
        : kind === 'lt'
          ? asNumber < v
          : asNumber <= v;
  }
  return f.values.some((v) => {
    if (type === 'number') return typeof field === 'number' && field === Number(v);
    if (type === 'boolean') return typeof field === 'boolean' && String(field) === v;
    if (type === 'string') return typeof field === 'string' && field === v;
    return String(field) === v;
  });
}
