import type { Asset } from '../../../../core/assets/asset.js';
import { deliveryBase } from './video-view.js';

/**
 * The watch page and the iframe player: hls.js (served at `/stream/player/hls.js`) where Media
 * Source Extensions exist, with menus for quality (Auto + each rung), audio track (the upload's
 * audio and added tracks) and captions (`defaultTextTrack` picks one at start); native HLS
 * elsewhere (iOS Safari, which has its own track menus). The poster is the video's thumbnail.
 * Player options follow Cloudflare's iframe query (autoplay, controls, loop, muted, preload,
 * poster, startTime, primaryColor, letterboxColor). The script is static (dashboard/js/stream-watch.js);
 * the page carries its settings as JSON data, and WATCH_PAGE_CSP allows no inline script.
 */
export function playerPage(
  publicUrl: string,
  ident: string,
  asset: Asset,
  page: 'watch' | 'iframe',
  q: Record<string, string | undefined>,
): string {
  const base = deliveryBase(publicUrl, ident);
  const flag = (k: string, dflt = false) => (q[k] === undefined ? dflt : q[k] !== 'false' && q[k] !== '0');
  const title = escapeHtml(typeof asset.metadata.name === 'string' ? asset.metadata.name : asset.id);
  const poster = escapeHtml(q.poster ?? `${base}/thumbnails/thumbnail.jpg`);
  const attrs = [
    flag('controls', true) && 'controls',
    flag('autoplay') && 'autoplay',
    flag('loop') && 'loop',
    flag('muted') && 'muted',
    'playsinline',
    `preload="${['auto', 'metadata', 'none'].includes(q.preload ?? '') ? q.preload : 'none'}"`,
    asset.status === 'ready' ? `poster="${poster}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const start = Number.parseFloat(q.startTime ?? '0') || 0;
  const letterbox = /^#?[0-9a-zA-Z]+$/.test(q.letterboxColor ?? '') ? q.letterboxColor : 'black';
  // Data, not script: `<` escaped so no value can close the block (the page's CSP allows no inline script).
  const config = JSON.stringify({
    src: `${base}/manifest/video.m3u8`,
    startTime: start,
    defaultTextTrack: q.defaultTextTrack ?? '',
  }).replace(/</g, '\\u003c');
  const body =
    asset.status === 'ready'
      ? `<video id="v" ${attrs}></video>`
      : `<p class="msg">This video is ${asset.status === 'error' ? 'not playable' : 'still being processed'}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>html,body{margin:0;height:100%;background:${letterbox};color:#eee;font-family:sans-serif}
video{width:100%;height:${page === 'iframe' ? '100%' : 'auto'};max-height:100vh;display:block;background:${letterbox}}
.msg{padding:2em;text-align:center}#bar{display:flex;gap:1em;padding:.4em 1em;font-size:.85em}#bar[hidden],#bar label[hidden]{display:none}${page === 'watch' ? 'h1{font-size:1.1em;padding:.5em 1em;margin:0}' : ''}</style>
</head><body>
${page === 'watch' ? `<h1>${title}</h1>` : ''}${body}
<div id="bar" hidden><label>Quality <select id="q"></select></label><label>Audio <select id="a"></select></label><label>Captions <select id="c"></select></label></div>
<script src="${publicUrl}/stream/player/hls.js"></script>
<script type="application/json" id="kiln-watch-config">${config}</script>
<script src="${publicUrl}/dashboard/js/stream-watch.js"></script>
</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The watch/iframe pages' policy beside frame-ancestors: scripts only from this origin, no inline script. */
export const WATCH_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // The page's own <style> block (letterbox colour): styles cannot run script.
  "style-src 'unsafe-inline'",
  // Cloudflare's `poster` may name an image anywhere.
  "img-src 'self' data: blob: https: http:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');
