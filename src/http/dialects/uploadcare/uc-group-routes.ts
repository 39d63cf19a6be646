import type { FastifyInstance } from 'fastify';
import type { Asset } from '../../../core/assets/asset.js';
import { parseUploadcareOps } from '../../../core/images/parse-uploadcare-ops.js';
import {
  type GroupMember,
  GroupRepository,
  type UcGroup,
} from '../../../core/uploadcare/group-repository.js';
import { groupStoredAt } from '../../../core/uploadcare/group-storage.js';
import { userContentBase } from '../../delivery/delivery-origin.js';
import { authenticate, checkSignature } from './uc-auth.js';
import { isVisible } from './uc-base-routes.js';
import type { UcContext } from './uc-context.js';
import { ucError } from './uc-errors.js';
import { fileInfo } from './uc-file-info.js';
import { UcParams as Params, readForm, type UcParams } from './uc-params.js';

const MAX_GROUP_FILES = 1000;
const ENTRY =
  /^(?:https?:\/\/[^/]+\/)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/?(?:-\/(.*))?$/s;

/** `POST /group/` (immutable groups of files, with CDN operations per file) and `GET /group/info/`. */
export async function ucGroupRoutes(app: FastifyInstance, ctx: UcContext) {
  const { runtime } = ctx;
  const groups = new GroupRepository(runtime.db);

  const render = async (group: UcGroup) => {
    const assets = await Promise.all(group.files.map((f) => runtime.assets.find(group.accountId, f.uuid)));
    const live = assets.map((a) => (a && isVisible(a) ? a : null));
    return {
      id: group.id,
      datetime_created: group.createdAt,
      // Null until the group itself is stored through the REST API, as on the hosted service.
      datetime_stored: await groupStoredAt(runtime.db, group.id),
      files_count: group.files.length,
      cdn_url: `${userContentBase(runtime.config)}/${group.id}/`,
      url: `${runtime.config.publicUrl}/uploadcare/group/info/?group_id=${encodeURIComponent(group.id)}`,
      files: live.map((a, i) => (a ? { ...fileInfo(a), default_effects: group.files[i]!.effects } : null)),
    };
  };

  app.post('/group/', async (request) => {
    const params = Params.fromRequest(request);
    await readForm(request, params, null, { maxFileBytes: 0, maxFiles: 0 });
    const account = await authenticate(runtime, ctx.limiter, params, 'pub_key');
    await checkSignature(runtime, account, params);
    const entries = groupEntries(params);
    if (entries.length === 0) throw ucError('GroupFilesInvalidError');
    if (entries.length > MAX_GROUP_FILES) throw ucError('FilesNumberLimitExceededError');
    const members: GroupMember[] = entries.map(parseEntry);
    const assets = await Promise.all(members.map((m) => runtime.assets.find(account.id, m.uuid)));
    if (assets.some((a: Asset | null) => !a || !isVisible(a))) throw ucError('GroupFilesNotFoundError');
    return render(await groups.create(account.id, members));
  });

  app.get('/group/info/', async (request) => {
    const params = Params.fromRequest(request);
    const account = await authenticate(runtime, ctx.limiter, params, 'pub_key');
    const id = params.get('group_id');
    if (!id) throw ucError('GroupIdRequiredError');
    const group = await groups.find(id.toLowerCase(), account.id);
    if (!group) throw ucError('GroupNotFoundError');
    return render(group);
  });
}

/** `files[]` repeated, or `files[N]` sorted by N; from the form or the query. */
function groupEntries(params: UcParams): string[] {
  const indexed: Array<[number, string]> = [];
  const plain: string[] = [];
  for (const [name, values] of params.entries()) {
    if (name === 'files[]' || name === 'files') plain.push(...values);
    const m = /^files\[(\d{1,4})\]$/.exec(name);
    if (m) for (const v of values) indexed.push([Number(m[1]), v]);
  }
  indexed.sort((a, b) => a[0] - b[0]);
  return [...plain, ...indexed.map(([, v]) => v)].filter((v) => v !== '');
}

/** `uuid`, `uuid/-/resize/x800/` or a CDN URL of either; the operations must parse. */
function parseEntry(entry: string): GroupMember {
  const m = ENTRY.exec(entry.trim());
  if (!m) throw ucError('GroupFileURLParsingFailedError', entry);
  let effects = m[2] ?? '';
  if (effects && !effects.endsWith('/')) effects += '/';
  if (effects) {
    try {
      parseUploadcareOps(`-/${effects}`);
    } catch {
      throw ucError('GroupFileURLParsingFailedError', entry);
    }
  }
  return { uuid: m[1]!.toLowerCase(), effects };
}
