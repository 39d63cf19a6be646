import type { FastifyInstance } from 'fastify';
import { isImage } from '../../../core/uploadcare/content-info.js';
import {
  type ConversionKind,
  conversionStatus,
  submitConversions,
} from '../../../core/uploadcare/conversions.js';
import { getFile } from '../../../core/uploadcare/file-management.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { accountOf } from './rest-request.js';

type TokenParams = { Params: { token: string } };

/**
 * `/convert/video/` (ffmpeg: format, size and resize modes, quality, cut, thumbs) and
 * `/convert/document/` (images to jpg/png/webp through sharp); anything else is refused per path.
 */
export async function restConvertRoutes(app: FastifyInstance, runtime: KilnRuntime) {
  for (const kind of ['video', 'document'] as ConversionKind[]) {
    app.post(`/convert/${kind}/`, async (request) =>
      submitConversions(runtime, accountOf(request).id, kind, request.body),
    );
    app.get<TokenParams>(`/convert/${kind}/status/:token/`, async (request) =>
      conversionStatus(runtime, accountOf(request).id, kind, request.params.token),
    );
  }

  // What a document can become here: an image, into the other image formats.
  app.get<{ Params: { uuid: string } }>('/convert/document/:uuid/', async (request) => {
    const asset = await getFile(runtime, accountOf(request).id, request.params.uuid);
    const image = isImage(asset);
    const subtype = asset.contentType.split('/')[1] ?? '';
    return {
      error: image ? null : `Conversion of ${asset.contentType} files is not supported on this server.`,
      format: {
        name: subtype === 'jpeg' ? 'jpg' : subtype,
        conversion_formats: image ? ['jpg', 'png', 'webp'].map((name) => ({ name })) : [],
      },
      converted_groups: {},
    };
  });
}
