import type { Asset } from '../../../../core/assets/asset.js';
import { deliveryBase } from '../../../../core/stream/video-view.js';

/**
 * The watch page and the iframe player. Plays HLS natively where the browser can (Safari, iOS,
 * Android) and otherwise through hls.js when the server has it to serve (`/stream/player/hls.js`);
 * the poster is the video's thumbnail. Player options follow Cloudflare's iframe query
 * (autoplay, controls, loop, muted, preload, poster, startTime, primaryColor, letterboxColor).
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
  const body =
    asset.status === 'ready'
      ? `<video id="v" ${attrs}></video>`
      : `<p class="msg">This video is ${asset.status === 'error' ? 'not playable' : 'still being processed'}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>html,body{margin:0;height:100%;background:${letterbox};color:#eee;font-family:sans-serif}
video{width:100%;height:${page === 'iframe' ? '100%' : 'auto'};max-height:100vh;display:block;background:${letterbox}}
.msg{padding:2em;text-align:center}${page === 'watch' ? 'h1{font-size:1.1em;padding:.5em 1em;margin:0}' : ''}</style>
</head><body>
${page === 'watch' ? `<h1>${title}</h1>` : ''}${body}
<script src="${publicUrl}/stream/player/hls.js" onerror="void 0"></script>
<script>
(function(){var v=document.getElementById('v');if(!v)return;var src=${JSON.stringify(`${base}/manifest/video.m3u8`)};
var start=${start};function go(){if(start>0){try{v.currentTime=start}catch(e){}}}
v.addEventListener('loadedmetadata',go,{once:true});
if(v.canPlayType('application/vnd.apple.mpegurl')){v.src=src;}
else if(window.Hls&&window.Hls.isSupported()){var h=new window.Hls();h.loadSource(src);h.attachMedia(v);}
else{v.src=src;}})();
</script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
