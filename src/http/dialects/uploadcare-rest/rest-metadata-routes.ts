import type { FastifyInstance } from 'fastify';
import {
  deleteMetadataKey,
  getMetadata,
  getMetadataValue,
  setMetadataValue,
} from '../../../core/uploadcare/file-metadata.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { accountOf } from './rest-request.js';

type KeyParams = { Params: { uuid: string; key: string } };

/** `/files/{uuid}/metadata/` and `/files/{uuid}/metadata/{key}/`. */
export async function restMetadataRoutes(app: FastifyInstance, runtime: KilnRuntime) {
  app.get<{ Params: { uuid: string } }>('/files/:uuid/metadata/', async (request) =>
    getMetadata(runtime, accountOf(request).id, request.params.uuid),
  );

  app.get<KeyParams>('/files/:uuid/metadata/:key/', async (request) =>
    JSON.stringify(
      await getMetadataValue(runtime, accountOf(request).id, request.params.uuid, request.params.key),
    ),
  );

  app.put<KeyParams>('/files/:uuid/metadata/:key/', async (request, reply) => {
    const { uuid, key } = request.params;
    const { value, created } = await setMetadataValue(
      runtime,
      accountOf(request).id,
      uuid,
      key,
      request.body,
    );
    return reply.status(created ? 201 : 200).send(JSON.stringify(value));
  });

  app.delete<KeyParams>('/files/:uuid/metadata/:key/', async (request, reply) => {
    await deleteMetadataKey(runtime, accountOf(request).id, request.params.uuid, request.params.key);
    return reply.status(204).send();
  });
}
