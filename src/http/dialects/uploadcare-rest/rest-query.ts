import type { FastifyRequest } from 'fastify';
import { restError } from '../../../core/uploadcare/rest-error.js';

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

/** The list parameters files and groups share: `limit`, `ordering`, `from`. */
export interface PageParams {
  limit: number;
  descending: boolean;
  from?: string;
}

export function query(request: FastifyRequest): Record<string, string | undefined> {
  const q = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

export function pageParams(q: Record<string, string | undefined>, sortField: string): PageParams {
  const limit = q.limit === undefined || q.limit === '' ? DEFAULT_PAGE : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw restError(400, `limit must be an integer from 1 to ${MAX_PAGE}.`);
  const ordering = q.ordering || sortField;
  if (ordering !== sortField && ordering !== `-${sortField}`)
    throw restError(400, `ordering must be \`${sortField}\` or \`-${sortField}\`.`);
  let from: string | undefined;
  if (q.from) {
    const t = Date.parse(q.from);
    if (!Number.isFinite(t)) throw restError(400, '`from` must be an ISO 8601 date and time.');
    from = new Date(t).toISOString();
  }
  return { limit, descending: ordering.startsWith('-'), from };
}

/** `true`/`false` (and 1/0), or undefined when absent. */
export function booleanParam(q: Record<string, string | undefined>, name: string): boolean | undefined {
  const v = q[name]?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw restError(400, `\`${name}\` must be \`true\` or \`false\`.`);
}

/** An absolute page URL on the API base, with only the parameters the client sends back. */
export function pageUrl(
  base: string,
  path: string,
  params: Record<string, string | number | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  return `${base}${path}?${search.toString()}`;
}
