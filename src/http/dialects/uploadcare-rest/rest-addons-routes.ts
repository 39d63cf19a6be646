import type { FastifyInstance } from 'fastify';
import { restError, restNotFound } from '../../../core/uploadcare/rest-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';

/** The add-ons of the API; none runs on this server. */
const ADDONS = new Set([
  'aws_rekognition_detect_labels',
  'aws_rekognition_detect_moderation_labels',
  'uc_clamav_virus_scan',
  'remove_bg',
]);

type AddonParams = { Params: { name: string } };

/**
 * `/addons/{name}/execute/` and `.../execute/status/`: each known add-on answers that it is not
 * available on this server, in the API's shape, the way unavailable features of a project do.
 */
export async function restAddonsRoutes(app: FastifyInstance, _runtime: KilnRuntime) {
  const refuse = async (request: { params: { name: string } }) => {
    if (!ADDONS.has(request.params.name)) throw restNotFound();
    throw restError(400, `Add-On ${request.params.name} is not available for this project.`);
  };
  app.post<AddonParams>('/addons/:name/execute/', refuse);
  app.get<AddonParams>('/addons/:name/execute/status/', refuse);
}
