import { fileInfoUpdated } from './file-events.js';
import { type FileDeps, getFile } from './file-management.js';
import { restError } from './rest-error.js';
import { MAX_TAGS, normalizeTags } from './tag-rules.js';

export interface TagChange {
  tags: string[];
  added: string[];
  deleted: string[];
}

export function tagsOfAsset(extra: Record<string, unknown>): string[] {
  return Array.isArray(extra.tags) ? (extra.tags as string[]) : [];
}

export async function getTags(deps: FileDeps, accountId: string, uuid: string): Promise<string[]> {
  return tagsOfAsset((await getFile(deps, accountId, uuid)).extra);
}

/** Replaces the whole tag set (the REST `PUT /files/{uuid}/tags/`). */
export async function replaceTags(deps: FileDeps, accountId: string, uuid: string, input: unknown) {
  const next = normalizeTags(input);
  return changeTags(deps, accountId, uuid, () => next);
}

/** Removes `del`, then adds `add`, in one change (the REST `PATCH /files/{uuid}/tags/`). */
export async function updateTags(
  deps: FileDeps,
  accountId: string,
  uuid: string,
  add: unknown,
  del: unknown,
) {
  const adding = normalizeTags(add ?? []);
  const removing = new Set(normalizeTags(del ?? []));
  return changeTags(deps, accountId, uuid, (current) => {
    const kept = current.filter((t) => !removing.has(t));
    return [...kept, ...adding.filter((t) => !kept.includes(t))];
  });
}

async function changeTags(
  deps: FileDeps,
  accountId: string,
  uuid: string,
  next: (current: string[]) => string[],
): Promise<TagChange> {
  const asset = await getFile(deps, accountId, uuid);
  const before = tagsOfAsset(asset.extra);
  const tags = next(before);
  if (tags.length > MAX_TAGS) throw restError(400, `A file can not have more than ${MAX_TAGS} tags.`);
  const added = tags.filter((t) => !before.includes(t)).sort();
  const deleted = before.filter((t) => !tags.includes(t)).sort();
  if (added.length > 0 || deleted.length > 0) {
    const updated = await deps.assets.mergeExtra(accountId, asset.id, { tags });
    await fileInfoUpdated(deps, updated, { metadata: updated.metadata, tags: before });
  }
  return { tags, added, deleted };
}
