import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  VARIANT_FITS,
  VARIANT_METADATA,
  type VariantDef,
} from '../../../../core/cloudflare-images/image-variants.js';
import { errors } from '../../../../core/errors/kiln-error.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import type { CfImagesContext } from './images-context.js';

const options = z.object({
  fit: z.enum(VARIANT_FITS),
  width: z.number().int().min(1).max(12_000),
  height: z.number().int().min(1).max(12_000),
  metadata: z.enum(VARIANT_METADATA),
});
const createBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,99}$/, 'id must be 1-99 letters, digits, - or _'),
  options,
  neverRequireSignedURLs: z.boolean().optional(),
});
const editBody = z.object({ options, neverRequireSignedURLs: z.boolean().optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw errors.invalid(`${issue.path.join('.') || 'body'}: ${issue.message}`, { cloudflareCode: 5400 });
  }
  return r.data;
}

/** Variants: create, list (a map keyed by id), get, edit, delete (§2.4). */
export async function variantRoutes(app: FastifyInstance, ctx: CfImagesContext) {
  const { runtime } = ctx;

  app.post('/images/v1/variants', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const body = parse(createBody, request.body);
    const def: VariantDef = {
      id: body.id,
      options: body.options,
      neverRequireSignedURLs: body.neverRequireSignedURLs ?? false,
    };
    return cfOk({ variant: await ctx.variants.create(account, def) });
  });

  app.get('/images/v1/variants', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const list = await ctx.variants.list(account);
    return cfOk({ variants: Object.fromEntries(list.map((v) => [v.id, v])) });
  });

  app.get('/images/v1/variants/:variant_id', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { variant_id: id } = request.params as { variant_id: string };
    return cfOk({ variant: await ctx.variants.get(account, id) });
  });

  app.patch('/images/v1/variants/:variant_id', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { variant_id: id } = request.params as { variant_id: string };
    const body = parse(editBody, request.body);
    return cfOk({
      variant: await ctx.variants.update(account, id, body.options, body.neverRequireSignedURLs),
    });
  });

  app.delete('/images/v1/variants/:variant_id', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { variant_id: id } = request.params as { variant_id: string };
    await ctx.variants.delete(account, id);
    return cfOk({});
  });
}
