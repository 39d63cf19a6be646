import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errors } from '../../../../core/errors/kiln-error.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { type CfImagesContext, imagesAllowed } from './images-context.js';

const configBody = z.object({ flexible_variants: z.boolean() });

/**
 * Account-level Images settings: signing keys (§2.2), stats (§2.3), and the delivery config
 * (`flexible_variants`, §5.3; not in the SDK, reached with a plain PATCH as Cloudflare documents).
 */
export async function accountRoutes(app: FastifyInstance, ctx: CfImagesContext) {
  const { runtime } = ctx;

  app.get('/images/v1/keys', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk({ keys: await ctx.keys.list(account.id) });
  });

  app.put('/images/v1/keys/:name', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { name } = request.params as { name: string };
    return cfOk({ keys: await ctx.keys.put(account.id, name) });
  });

  app.delete('/images/v1/keys/:name', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { name } = request.params as { name: string };
    return cfOk({ keys: await ctx.keys.delete(account.id, name) });
  });

  app.get('/images/v1/stats', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk({ count: { allowed: imagesAllowed(account), current: await ctx.ids.count(account.id) } });
  });

  app.get('/images/v1/config', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk({ flexible_variants: account.settings.flexibleVariants === true });
  });

  app.patch('/images/v1/config', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = configBody.safeParse(request.body);
    if (!body.success)
      throw errors.invalid('flexible_variants must be true or false', { cloudflareCode: 5400 });
    const updated = await runtime.accounts.updateSettings(account.id, {
      flexibleVariants: body.data.flexible_variants,
    });
    return cfOk({ flexible_variants: updated.settings.flexibleVariants === true });
  });
}
