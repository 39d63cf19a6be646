import type { FastifyInstance } from 'fastify';
import { signPlaybackToken } from '../../../../core/cloudflare-stream/playback-token.js';
import { pemToPkcs8 } from '../../../../core/cloudflare-stream/signing-keys.js';
import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';
import { deleteWebhook, getWebhook, putWebhook } from '../../../../core/cloudflare-stream/stream-webhooks.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { jsonBody, ownVideo } from './stream-video-routes.js';

/** Signing keys, playback tokens and the webhook subscription. */
export async function streamAccountRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const keys = runtime.streamSigningKeys;

  app.post('/stream/keys', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(await keys.create(account.id));
  });

  app.get('/stream/keys', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(await keys.list(account.id));
  });

  app.delete('/stream/keys/:keyId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    await keys.delete(account.id, (request.params as { keyId: string }).keyId);
    return cfOk('Revoked');
  });

  app.post('/stream/:identifier/token', async (request) => {
    const video = await ownVideo(runtime, request);
    const body = jsonBody(request);
    let key: { id: string; pkcs8: string };
    if (body.id !== undefined || body.pem !== undefined) {
      if (typeof body.id !== 'string' || typeof body.pem !== 'string')
        throw badRequest('id and pem go together');
      if (!(await keys.exists(video.accountId, body.id))) {
        throw new KilnError('not_found', `Signing key ${body.id} not found`, {
          details: { cloudflareCode: 10003 },
        });
      }
      key = { id: body.id, pkcs8: pemToPkcs8(body.pem) };
    } else {
      const internal = await keys.internalKey(video.accountId);
      key = { id: internal.id, pkcs8: internal.pem };
    }
    return cfOk({ token: await signPlaybackToken(key, video.id, body) });
  });

  app.get('/stream/webhook', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const hook = await getWebhook(runtime, account.id);
    if (!hook)
      throw new KilnError('not_found', 'No webhook is configured', { details: { cloudflareCode: 10003 } });
    return cfOk(hook);
  });

  app.put('/stream/webhook', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = jsonBody(request);
    return cfOk(await putWebhook(runtime, account.id, body.notificationUrl ?? body.notification_url));
  });

  app.delete('/stream/webhook', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    await deleteWebhook(runtime, account.id);
    return cfOk('');
  });
}
