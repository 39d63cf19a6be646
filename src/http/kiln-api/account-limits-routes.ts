import type { FastifyInstance } from 'fastify';
import { limitsOf } from '../../core/accounts/account-limits.js';
import { errors } from '../../core/errors/kiln-error.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { requireAdmin } from './admin-auth.js';
import { accountLimitsSchema, errorBody, errorResponses } from './kiln-api-schemas.js';

const admin = [{ admin: [] }];
const params = {
  type: 'object',
  properties: { id: { type: 'string', description: 'Account id' } },
  required: ['id'],
} as const;
const limitsResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, limits: accountLimitsSchema },
} as const;
const responses = {
  200: limitsResponse,
  ...errorResponses,
  403: { description: 'The admin API is off (no KILN_ADMIN_TOKEN)', ...errorBody },
} as const;

/**
 * The operator's account limits (`KILN_ADMIN_TOKEN`): read, and change with a JSON patch where a
 * positive integer sets a limit, null removes it and an absent key keeps it. Every dialect
 * enforces them on its next upload, in its own error format.
 */
export async function accountLimitsRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  app.addHook('onRequest', async (request) => runtime.rateLimits.ip.consume(request.ip, 'client address'));

  app.get(
    '/accounts/:id/limits',
    {
      schema: {
        summary: "An account's limits",
        tags: ['admin'],
        security: admin,
        params,
        response: responses,
      },
    },
    async (request) => {
      requireAdmin(runtime, request);
      const account = await runtime.accounts.get((request.params as { id: string }).id);
      return { id: account.id, name: account.name, limits: limitsOf(account.settings) };
    },
  );

  app.patch(
    '/accounts/:id/limits',
    {
      schema: {
        summary: "Set an account's limits (null removes one)",
        tags: ['admin'],
        security: admin,
        params,
        body: { ...accountLimitsSchema, description: 'Only the limits to change' },
        response: responses,
      },
    },
    async (request) => {
      requireAdmin(runtime, request);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw errors.invalid('Send a JSON object of limits');
      const { id } = request.params as { id: string };
      const account = await runtime.accounts.setLimits(id, body as Record<string, number | null>);
      return { id: account.id, name: account.name, limits: limitsOf(account.settings) };
    },
  );
}
