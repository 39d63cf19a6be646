import type { FastifyInstance } from 'fastify';
import type { Asset } from '../../../core/assets/asset.js';
import { findFile } from '../../../core/uploadcare/file-management.js';
import { restFileView } from '../../../core/uploadcare/file-view.js';
import { deleteGroup, listGroups } from '../../../core/uploadcare/group-listing.js';
import { GroupRepository, type UcGroup } from '../../../core/uploadcare/group-repository.js';
import { storeGroup } from '../../../core/uploadcare/group-storage.js';
import { restNotFound } from '../../../core/uploadcare/rest-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { pageParams, pageUrl, query } from './rest-query.js';
import { accountOf, apiBase } from './rest-request.js';

type GroupParams = { Params: { id: string } };

/** `/groups/`: list (paged like files), info with the files, delete (the files stay). */
export async function restGroupsRoutes(app: FastifyInstance, runtime: KilnRuntime) {
  const publicUrl = runtime.config.publicUrl;
  const groups = new GroupRepository(runtime.db);

  const view = (base: string, g: UcGroup) => ({
    id: g.id,
    datetime_created: g.createdAt,
    files_count: g.files.length,
    cdn_url: `${publicUrl}/${g.id}/`,
    url: `${base}/groups/${g.id}/`,
  });

  app.get('/groups/', async (request) => {
    const page = pageParams(query(request), 'datetime_created');
    const result = await listGroups(runtime.db, { accountId: accountOf(request).id, ...page });
    const base = apiBase(publicUrl, request);
    const ordering = page.descending ? '-datetime_created' : 'datetime_created';
    return {
      next: result.nextFrom
        ? pageUrl(base, '/groups/', { limit: page.limit, ordering, from: result.nextFrom })
        : null,
      previous: null,
      total: result.total,
      per_page: page.limit,
      results: result.groups.map((g) => view(base, g)),
    };
  });

  const withFiles = async (request: Parameters<typeof accountOf>[0], group: UcGroup) => {
    const account = accountOf(request);
    const files = [];
    for (const member of group.files) {
      const asset: Asset | null = await findFile(runtime, account.id, member.uuid);
      files.push(asset ? { ...restFileView(asset, { publicUrl }), default_effects: member.effects } : null);
    }
    return { ...view(apiBase(publicUrl, request), group), files };
  };

  app.get<GroupParams>('/groups/:id/', async (request) => {
    const group = await groups.find(request.params.id, accountOf(request).id);
    if (!group) throw restNotFound();
    return withFiles(request, group);
  });

  // REST API 0.6's group store, kept: stores the files and marks the group stored.
  app.put<GroupParams>('/groups/:id/storage/', async (request) =>
    withFiles(request, await storeGroup(runtime, accountOf(request).id, request.params.id)),
  );

  app.delete<GroupParams>('/groups/:id/', async (request, reply) => {
    if (!(await deleteGroup(runtime.db, accountOf(request).id, request.params.id))) throw restNotFound();
    return reply.status(204).send();
  });
}
