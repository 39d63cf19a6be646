import type { Db } from '../../adapters/db/database.js';
import type { Asset } from '../assets/asset.js';
import { toAsset } from '../assets/asset-repository.js';
import { KilnError } from '../errors/kiln-error.js';
import { isImage } from './content-info.js';
import { UPLOADCARE_SOURCE } from './file-management.js';
import { normalizeTags } from './tag-rules.js';

/** `POST /files/search/` as this server does it (see docs/dialects/uploadcare.md, "File search"). */
export interface SearchPage {
  files: Asset[];
  total: number;
}

type Errors = Record<string, string[]>;
type Range = { gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown };

export const SEARCH_MAX_LIMIT = 100;
export const SEARCH_WINDOW = 1000;
const SORTS = new Set(['score', 'datetime_uploaded', 'size', 'original_filename']);

/**
 * Searches the project's files: every condition combines with AND; `query` and `phrase` match
 * each word case-insensitively as a substring (no stemming, no typo tolerance: `fuzziness` is
 * refused), `exact` matches whole values, ranges and tags as the API defines them. All matches
 * are equally relevant, so `score` orders like the default, newest first. Malformed conditions
 * are 400s keyed by field, the shape the client reads as RestClientValidationError.
 */
export async function searchFiles(
  db: Db,
  accountId: string,
  body: unknown,
  paging: { limit: number; offset: number },
): Promise<SearchPage> {
  const errors: Errors = {};
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const tests: Array<(a: Asset) => boolean> = [];
  const fail = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message];
  };
  if (paging.limit < 1 || paging.limit > SEARCH_MAX_LIMIT)
    fail('limit', `Must be from 1 to ${SEARCH_MAX_LIMIT}.`);
  if (paging.offset < 0 || paging.offset + paging.limit > SEARCH_WINDOW)
    fail('offset', `offset + limit must not exceed ${SEARCH_WINDOW}.`);
  if (b.fuzziness === true) fail('fuzziness', 'Typo-tolerant matching is not available on this server.');

  if (b.query !== undefined) {
    const words = phraseWords(b.query, 'query', fail);
    if (words) tests.push((a) => words.every((w) => searchable(a).some((t) => t.includes(w))));
  }
  if (b.phrase !== undefined) {
    const phrase = object(b.phrase, 'phrase', fail);
    for (const [key, field] of Object.entries(phrase)) {
      const words = phraseWords(field, `phrase.${key}`, fail);
      const of = fieldText(key);
      if (!of) fail(`phrase.${key}`, 'Unknown field.');
      else if (words) tests.push((a) => words.every((w) => of(a).some((t) => t.includes(w))));
    }
  }
  if (b.exact !== undefined) {
    for (const [key, values] of Object.entries(object(b.exact, 'exact', fail))) {
      if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
        fail(`exact.${key}`, 'Must be a non-empty list of strings.');
        continue;
      }
      const wanted = new Set(values as string[]);
      const meta = /^metadata\[(.+)\]$/.exec(key);
      if (key === 'uuid') tests.push((a) => wanted.has(a.id));
      else if (key === 'detected_mime_type') tests.push((a) => wanted.has(a.contentType));
      else if (key === 'original_filename') tests.push((a) => wanted.has(a.originalName ?? ''));
      else if (meta) tests.push((a) => wanted.has(String(a.metadata[meta[1]!] ?? '\u0000')));
      else fail(`exact.${key}`, 'Unknown field.');
    }
  }
  const uploaded =
    b.datetime_uploaded === undefined ? null : range(b.datetime_uploaded, 'datetime_uploaded', fail, date);
  if (uploaded) tests.push((a) => uploaded(Date.parse(a.createdAt)));
  const size =
    b.size === undefined
      ? null
      : range(b.size, 'size', fail, (v) => (typeof v === 'number' ? v : Number.NaN));
  if (size) tests.push((a) => size(a.size));
  if (b.is_image !== undefined) {
    if (typeof b.is_image !== 'boolean') fail('is_image', 'Must be a boolean.');
    else tests.push((a) => isImage(a) === b.is_image);
  }
  if (b.tags !== undefined) {
    for (const [mode, list] of Object.entries(object(b.tags, 'tags', fail))) {
      let tags: string[];
      try {
        tags = normalizeTags(list);
      } catch (err) {
        fail(`tags.${mode}`, (err as Error).message);
        continue;
      }
      const has = (a: Asset) => (Array.isArray(a.extra.tags) ? (a.extra.tags as string[]) : []);
      if (mode === 'any') tests.push((a) => tags.some((t) => has(a).includes(t)));
      else if (mode === 'all') tests.push((a) => tags.every((t) => has(a).includes(t)));
      else if (mode === 'none') tests.push((a) => !tags.some((t) => has(a).includes(t)));
      else fail(`tags.${mode}`, 'Unknown tag condition.');
    }
  }
  const sort = sortOf(b.sort, fail);
  if (tests.length === 0 && Object.keys(errors).length === 0)
    fail('non_field_errors', 'At least one search condition is required.');
  if (Object.keys(errors).length > 0)
    throw new KilnError('invalid_input', 'Invalid search.', { status: 400, details: { fields: errors } });

  const now = new Date().toISOString();
  const rows = await db
    .selectFrom('assets')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('source', '=', UPLOADCARE_SOURCE)
    .where('deleted_at', 'is', null)
    .where('blob_key', 'is not', null)
    .where('status', 'not in', ['uploading', 'completing'])
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute();
  const matches = rows.map(toAsset).filter((a) => tests.every((t) => t(a)));
  matches.sort(sort);
  return { files: matches.slice(paging.offset, paging.offset + paging.limit), total: matches.length };
}

function searchable(a: Asset): string[] {
  return [(a.originalName ?? '').toLowerCase(), a.contentType, ...metadataText(a)];
}

function metadataText(a: Asset): string[] {
  return Object.values(a.metadata).map((v) => String(v).toLowerCase());
}

function fieldText(key: string): ((a: Asset) => string[]) | null {
  if (key === 'original_filename') return (a) => [(a.originalName ?? '').toLowerCase()];
  if (key === 'detected_mime_type') return (a) => [a.contentType];
  if (key === 'metadata') return metadataText;
  return null;
}

function phraseWords(value: unknown, field: string, fail: (f: string, m: string) => void): string[] | null {
  if (typeof value !== 'string' || value.trim().length < 4) {
    fail(field, 'Must be at least 4 characters.');
    return null;
  }
  return value.toLowerCase().split(/\s+/).filter(Boolean);
}

function object(
  value: unknown,
  field: string,
  fail: (f: string, m: string) => void,
): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  fail(field, 'Must be an object.');
  return {};
}

function date(v: unknown): number {
  return typeof v === 'string' ? Date.parse(v) : Number.NaN;
}

function range(
  value: unknown,
  field: string,
  fail: (f: string, m: string) => void,
  parse: (v: unknown) => number,
): ((x: number) => boolean) | null {
  const r = object(value, field, fail) as Range;
  const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((k) => r[k] !== undefined);
  if (bounds.length === 0) {
    fail(field, 'At least one of gt, gte, lt, lte is required.');
    return null;
  }
  const v = Object.fromEntries(bounds.map((k) => [k, parse(r[k])])) as Record<string, number>;
  if (Object.values(v).some((n) => !Number.isFinite(n))) {
    fail(field, 'Invalid bound.');
    return null;
  }
  return (x) =>
    (v.gt === undefined || x > v.gt) &&
    (v.gte === undefined || x >= v.gte) &&
    (v.lt === undefined || x < v.lt) &&
    (v.lte === undefined || x <= v.lte);
}

function sortOf(value: unknown, fail: (f: string, m: string) => void): (a: Asset, b: Asset) => number {
  const newest = (a: Asset, b: Asset) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
  if (value === undefined) return newest;
  if (
    !Array.isArray(value) ||
    value.length > 4 ||
    value.some((k) => typeof k !== 'string' || !SORTS.has(k.replace(/^-/, '')))
  ) {
    fail('sort', 'Up to 4 of score, datetime_uploaded, size, original_filename (with - for descending).');
    return newest;
  }
  const keys = (value as string[]).filter((k) => k.replace(/^-/, '') !== 'score');
  return (a, b) => {
    for (const k of keys) {
      const desc = k.startsWith('-');
      const f = k.replace(/^-/, '');
      const c =
        f === 'size'
          ? a.size - b.size
          : f === 'original_filename'
            ? (a.originalName ?? '').localeCompare(b.originalName ?? '')
            : a.createdAt.localeCompare(b.createdAt);
      if (c !== 0) return desc ? -c : c;
    }
    return newest(a, b);
  };
}
