import type { FastifyInstance } from 'fastify';
import { sameOriginUrl } from './same-origin-url.js';

export interface PlayerPageOptions {
  /** The HLS master playlist (absolute or same-origin path). */
  manifestUrl: string;
  posterUrl?: string | null;
  title?: string | null;
  /** Where the dashboard's assets are served from (default `/dashboard`; absolute for embeds elsewhere). */
  assetBase?: string;
  autoplay?: boolean;
  muted?: boolean;
  loop?: boolean;
  /** Seconds to start from. */
  startTime?: number;
}

/**
 * The video player page: hls.js (or native HLS on Safari/iOS) with quality selection, caption and
 * audio-track switching and a poster. Stream's watch and iframe pages can render it with their own
 * manifest and thumbnail URLs. All values go into the page as JSON or escaped attributes.
 */
export function renderPlayerPage(options: PlayerPageOptions): string {
  const base = options.assetBase ?? '/dashboard';
  const title = escapeHtml(options.title ?? 'Video');
  const config = JSON.stringify({
    manifestUrl: options.manifestUrl,
    posterUrl: options.posterUrl ?? null,
    autoplay: options.autoplay ?? false,
    muted: options.muted ?? false,
    loop: options.loop ?? false,
    startTime: options.startTime ?? 0,
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${escapeHtml(base)}/css/player.css">
</head><body class="player-page">
<div id="player" aria-label="${title}"></div>
<script type="application/json" id="kiln-player-config">${config}</script>
<script src="${escapeHtml(base)}/vendor/hls/hls.min.js"></script>
<script type="module" src="${escapeHtml(base)}/js/player-page.js"></script>
</body></html>`;
}

/**
 * `GET /player?src=<manifest>&poster=&title=`: the player page for a manifest on this server
 * (URLs that resolve to this origin only, so the page cannot be used to frame other sites' media).
 */
export async function playerPageRoute(app: FastifyInstance) {
  app.get('/player', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const origin = `${request.protocol}://${request.host}`;
    const sameOrigin = (v: string | undefined) => sameOriginUrl(v, origin);
    const manifestUrl = sameOrigin(q.src);
    if (!manifestUrl) {
      return reply
        .status(400)
        .send({ error: { code: 'invalid_input', message: 'src must be a path on this server' } });
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .send(renderPlayerPage({ manifestUrl, posterUrl: sameOrigin(q.poster), title: q.title ?? null }));
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
