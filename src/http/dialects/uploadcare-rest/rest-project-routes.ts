import type { FastifyInstance } from 'fastify';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { accountOf } from './rest-request.js';

/** `/project/`: the account as an Uploadcare project (Kiln has no collaborators). */
export async function restProjectRoutes(app: FastifyInstance, _runtime: KilnRuntime) {
  app.get('/project/', async (request) => {
    const account = accountOf(request);
    return {
      name: account.name,
      pub_key: account.uploadcarePublicKey,
      autostore_enabled: account.settings.autoStore !== false,
      collaborators: [],
    };
  });
}
