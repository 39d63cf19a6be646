import type { FastifyInstance } from 'fastify';
import { getTags, replaceTags, updateTags } from '../../../core/uploadcare/file-tags.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { objectBody } from './rest-files-routes.js';
import { accountOf } from './rest-request.js';

type UuidParams = { Params: { uuid: string } };

/** `/files/{uuid}/tags/`: read, replace (PUT), add and delete (PATCH), as @uploadcare/rest-client calls them. */
export async function restTagsRoutes(app: FastifyInstance, runtime: KilnRuntime) {
  app.get<UuidParams>('/files/:uuid/tags/', async (request) => ({
    tags: await getTags(runtime, accountOf(request).id, request.params.uuid),
  }));

  app.put<UuidParams>('/files/:uuid/tags/', async (request) =>
    replaceTags(runtime, accountOf(request).id, request.params.uuid, objectBody(request.body).tags),
  );

  app.patch<UuidParams>('/files/:uuid/tags/', async (request) => {
    const body = objectBody(request.body);
    return updateTags(runtime, accountOf(request).id, request.params.uuid, body.add, body.delete);
  });
}
