import { fileInfoUpdated } from './file-events.js';
import { type FileDeps, getFile } from './file-management.js';
import { checkMetadataCount, checkMetadataKey, checkMetadataValue } from './metadata-rules.js';
import { restNotFound } from './rest-error.js';

/**
 * Per-file key/value metadata (the same `metadata` the Upload API takes and shows), with the
 * Upload API's key and value rules. Each change is a `file.info_updated` event.
 */
export async function getMetadata(deps: FileDeps, accountId: string, uuid: string) {
  return (await getFile(deps, accountId, uuid)).metadata as Record<string, string>;
}

export async function getMetadataValue(deps: FileDeps, accountId: string, uuid: string, key: string) {
  const metadata = await getMetadata(deps, accountId, uuid);
  checkMetadataKey(key);
  if (!Object.hasOwn(metadata, key)) throw restNotFound();
  return metadata[key]!;
}

/** Sets one key; `created` when it was new. */
export async function setMetadataValue(
  deps: FileDeps,
  accountId: string,
  uuid: string,
  key: string,
  value: unknown,
): Promise<{ value: string; created: boolean }> {
  const asset = await getFile(deps, accountId, uuid);
  checkMetadataKey(key);
  const checked = checkMetadataValue(key, value);
  const previous = asset.metadata as Record<string, string>;
  const created = !Object.hasOwn(previous, key);
  const metadata = { ...previous, [key]: checked };
  checkMetadataCount(Object.keys(metadata).length);
  if (!created && previous[key] === checked) return { value: checked, created };
  const updated = await deps.assets.update(accountId, asset.id, { metadata });
  await fileInfoUpdated(deps, updated, { metadata: previous });
  return { value: checked, created };
}

export async function deleteMetadataKey(deps: FileDeps, accountId: string, uuid: string, key: string) {
  const asset = await getFile(deps, accountId, uuid);
  checkMetadataKey(key);
  const previous = asset.metadata as Record<string, string>;
  if (!Object.hasOwn(previous, key)) throw restNotFound();
  const { [key]: _gone, ...metadata } = previous;
  const updated = await deps.assets.update(accountId, asset.id, { metadata });
  await fileInfoUpdated(deps, updated, { metadata: previous });
}
