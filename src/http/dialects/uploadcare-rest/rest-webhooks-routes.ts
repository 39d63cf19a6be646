import type { FastifyInstance } from 'fastify';
import { projectNumber } from '../../../core/uploadcare/file-events.js';
import type { UcWebhook } from '../../../core/uploadcare/webhook-repository.js';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  unsubscribe,
  updateWebhook,
  type WebhookInput,
} from '../../../core/uploadcare/webhooks.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { objectBody } from './rest-files-routes.js';
import { accountOf } from './rest-request.js';

type IdParams = { Params: { id: string } };

/** `/webhooks/`: list, create, update, delete, unsubscribe. */
export async function restWebhooksRoutes(app: FastifyInstance, runtime: KilnRuntime) {
  app.get('/webhooks/', async (request) =>
    (await listWebhooks(runtime, accountOf(request).id)).map(webhookView),
  );

  app.post('/webhooks/', async (request, reply) => {
    const hook = await createWebhook(
      runtime,
      accountOf(request).id,
      objectBody(request.body) as WebhookInput,
    );
    return reply.status(201).send(webhookView(hook));
  });

  app.delete('/webhooks/unsubscribe/', async (request, reply) => {
    await unsubscribe(runtime, accountOf(request).id, objectBody(request.body) as WebhookInput);
    return reply.status(204).send();
  });

  app.put<IdParams>('/webhooks/:id/', async (request) =>
    webhookView(
      await updateWebhook(
        runtime,
        accountOf(request).id,
        Number(request.params.id),
        objectBody(request.body) as WebhookInput,
      ),
    ),
  );

  app.delete<IdParams>('/webhooks/:id/', async (request, reply) => {
    await deleteWebhook(runtime, accountOf(request).id, Number(request.params.id));
    return reply.status(204).send();
  });
}

/** The `webhook` schema (the project sees its own signing secret). */
function webhookView(hook: UcWebhook) {
  return {
    id: hook.id,
    project: projectNumber(hook.accountId),
    created: hook.created,
    updated: hook.updated,
    event: hook.event,
    target_url: hook.targetUrl,
    is_active: hook.isActive,
    signing_secret: hook.signingSecret ?? '',
    version: hook.version,
  };
}
