import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../../../core/assets/asset.js';
import { KilnError } from '../../../../core/errors/kiln-error.js';
import {
  createDownload,
  DOWNLOAD_TYPES,
  type DownloadType,
  deleteDownloads,
  downloadView,
} from '../../../../core/video/downloads.js';
import { DOWNLOAD_KIND } from '../../../../core/video/video-tracks.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cfOk } from '../envelope.js';
import { ownVideo } from './stream-video-routes.js';
import { deliveryBase } from './video-view.js';

/** Downloads: `/downloads` (= default MP4) and `/downloads/{default|audio}`: create, get, delete. */
export async function streamDownloadRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;

  const all = async (video: Asset) => {
    const base = deliveryBase(runtime.config.publicUrl, video.id);
    const out: Partial<Record<DownloadType, ReturnType<typeof downloadView>>> = {};
    for (const r of await runtime.renditions.list(video.id, DOWNLOAD_KIND)) {
      out[r.name as DownloadType] = downloadView(base, r);
    }
    return out;
  };
  const typeOf = (request: FastifyRequest): DownloadType => {
    const t = (request.params as { type?: string }).type ?? 'default';
    if (!DOWNLOAD_TYPES.includes(t as DownloadType)) {
      throw new KilnError('not_found', `Unknown download type ${t}`, { details: { cloudflareCode: 10003 } });
    }
    return t as DownloadType;
  };

  for (const path of ['/stream/:identifier/downloads', '/stream/:identifier/downloads/:type']) {
    app.post(path, async (request) => {
      const video = await ownVideo(runtime, request);
      await createDownload(runtime, video, typeOf(request));
      return cfOk(await all(video));
    });
    app.get(path, async (request) => {
      const video = await ownVideo(runtime, request);
      const entries = await all(video);
      const t = (request.params as { type?: string }).type;
      return cfOk(t ? { [typeOf(request)]: entries[typeOf(request)] } : entries);
    });
    app.delete(path, async (request) => {
      const video = await ownVideo(runtime, request);
      const t = (request.params as { type?: string }).type;
      await deleteDownloads(runtime, video, t ? [typeOf(request)] : DOWNLOAD_TYPES);
      return cfOk('ok');
    });
  }
}
