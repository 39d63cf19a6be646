import { KilnError } from '../errors/kiln-error.js';

export const MAX_TAGS = 50;
export const TAG_MAX = 100;

/**
 * Uploadcare's file tags: lower-cased, trimmed, empties and duplicates dropped (first
 * occurrence kept); at most 50, each at most 100 of `[a-z0-9._-]`. Shared by the Upload API's
 * `tags` field and the REST API's tag endpoints.
 */
export function normalizeTags(input: unknown): string[] {
  if (!Array.isArray(input) || input.some((t) => typeof t !== 'string'))
    throw tagError('Tags must be a list of strings.');
  const tags = [...new Set((input as string[]).map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (tags.length > MAX_TAGS) throw tagError(`A file can not have more than ${MAX_TAGS} tags.`);
  for (const t of tags) {
    if (t.length > TAG_MAX) throw tagError(`Tag \`${t}\` can not be more than ${TAG_MAX} symbols.`);
    if (!/^[a-z0-9._-]+$/.test(t))
      throw tagError(`Tag \`${t}\` contains symbols not allowed by the tag format.`);
  }
  return tags;
}

function tagError(message: string): KilnError {
  return new KilnError('invalid_input', message, { status: 400, details: { ucCode: 'UploadViewsError' } });
}
