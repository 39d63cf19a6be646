import type { FastifyInstance } from 'fastify';
import { restError } from '../../../core/uploadcare/rest-error.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';

/** `/convert/video/` and `/convert/document/` (refused until the conversion jobs land). */
export async function restConvertRoutes(app: FastifyInstance, _runtime: KilnRuntime) {
  const video = async () => {
    throw restError(400, 'Video conversion feature is not available for this project.');
  };
  const document = async () => {
    throw restError(400, 'Document conversion feature is not available for this project.');
  };
  app.post('/convert/video/', video);
  app.get('/convert/video/status/:token/', video);
  app.post('/convert/document/', document);
  app.get('/convert/document/status/:token/', document);
  app.get('/convert/document/:uuid/', document);
}
