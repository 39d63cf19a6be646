import { type FileDeps, findFile, sourceUuid } from './file-management.js';
import type { RemoteStorages } from './remote-storages.js';
import { restError } from './rest-error.js';

export interface RemoteCopyInput {
  source?: unknown;
  target?: unknown;
  make_public?: unknown;
  pattern?: unknown;
}

const VARIABLES = new Set(['default', 'auto_filename', 'effects', 'filename', 'uuid', 'ext']);
const DEFAULT_PATTERN = '${default}';

/**
 * `/files/remote_copy/`: the file's bytes copied into a storage the operator named, at the key
 * the pattern makes. `created` is false when that object already exists (the API's 200, nothing
 * overwritten). Access to the copy is the target bucket's policy: `make_public` sets no ACL.
 */
export async function copyFileRemotely(
  deps: FileDeps,
  storages: RemoteStorages,
  accountId: string,
  input: RemoteCopyInput,
): Promise<{ url: string; created: boolean }> {
  if (input.source === undefined || input.source === null || input.source === '')
    throw restError(400, '`source` parameter is required.');
  if (typeof input.target !== 'string' || !storages.has(input.target))
    throw restError(400, 'Project has no storage with provided name.');
  const uuid = sourceUuid(String(input.source), deps.config.publicUrl);
  const source = uuid ? await findFile(deps, accountId, uuid) : null;
  if (!source) throw restError(400, 'Bad `source` parameter. Use UUID or CDN URL.');
  if (source.status !== 'ready') throw restError(400, 'File is not ready yet.');
  const pattern =
    input.pattern === undefined || input.pattern === '' ? DEFAULT_PATTERN : String(input.pattern);
  const key = expandPattern(pattern, source.id, source.originalName ?? 'original');
  const store = await storages.store(input.target);
  const url = storages.locate(input.target, key);
  if (await store.stat(key)) return { url, created: false };
  await store.put(key, await deps.blobs.get(source.blobKey!), { contentType: source.contentType });
  return { url, created: true };
}

/** `${uuid}/${auto_filename}` and friends; anything else in `${...}` is an invalid pattern. */
export function expandPattern(pattern: string, uuid: string, originalName: string): string {
  const base = originalName.split(/[\\/]/).pop() || 'original';
  const dot = base.lastIndexOf('.');
  const filename = (dot > 0 ? base.slice(0, dot) : base).replace(/[^A-Za-z0-9._-]/g, '_') || 'original';
  const ext = dot > 0 ? base.slice(dot).replace(/[^A-Za-z0-9.]/g, '') : '';
  const values: Record<string, string> = {
    uuid,
    filename,
    ext,
    effects: '',
    auto_filename: `${filename}${ext}`,
  };
  values.default = `${uuid}/${values.auto_filename}`;
  const key = pattern.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (!VARIABLES.has(name)) throw restError(400, `Invalid pattern provided: \`${pattern}\``);
    return values[name]!;
  });
  // S3's safe key characters only; no `.` or `..` segments.
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(key) || key.split('/').some((s) => s === '..' || s === '.'))
    throw restError(400, 'Invalid pattern provided: Invalid character in a pattern.');
  return key.replace(/^\/+/, '');
}
