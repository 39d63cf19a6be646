import type { Asset } from '../../../../core/assets/asset.js';
import { deliveryBase } from './video-view.js';

/**
 * The watch page and the iframe player: hls.js (served at `/stream/player/hls.js`) where Media
 * Source Extensions exist, with menus for quality (Auto + each rung), audio track (the upload's
 * audio and added tracks) and captions (`defaultTextTrack` picks one at start); native HLS
 * elsewhere (iOS Safari, which has its own track menus). The poster is the video's thumbnail. Player options follow Cloudflare's iframe query
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
.msg{padding:2em;text-align:center}#bar{display:flex;gap:1em;padding:.4em 1em;font-size:.85em}#bar[hidden],#bar label[hidden]{display:none}${page === 'watch' ? 'h1{font-size:1.1em;padding:.5em 1em;margin:0}' : ''}</style>
</head><body>
${page === 'watch' ? `<h1>${title}</h1>` : ''}${body}
<div id="bar" hidden><label>Quality <select id="q"></select></label><label>Audio <select id="a"></select></label><label>Captions <select id="c"></select></label></div>
<script src="${publicUrl}/stream/player/hls.js"></script>
<script>
(function(){var v=document.getElementById('v');if(!v)return;var src=${JSON.stringify(`${base}/manifest/video.m3u8`)};
var start=${start};var wantText=${JSON.stringify(q.defaultTextTrack ?? '')};
function go(){if(start>0){try{v.currentTime=start}catch(e){}}}
v.addEventListener('loadedmetadata',go,{once:true});
var bar=document.getElementById('bar'),qs=document.getElementById('q'),as=document.getElementById('a'),cs=document.getElementById('c');
function fill(sel,items,current,auto){sel.innerHTML='';if(auto){sel.add(new Option(auto,'-1'))}
items.forEach(function(it,i){sel.add(new Option(it,String(i)))});sel.value=String(current);}
if(window.Hls&&window.Hls.isSupported()){
 var h=new window.Hls({subtitleDisplay:true});window.kilnHls=h;h.loadSource(src);h.attachMedia(v);
 h.on(window.Hls.Events.MANIFEST_PARSED,function(){bar.hidden=false;
  fill(qs,h.levels.map(function(l){return l.height+'p'}),-1,'Auto');qs.parentNode.hidden=h.levels.length<2;
  fill(as,h.audioTracks.map(function(t){return t.name}),h.audioTrack);as.parentNode.hidden=h.audioTracks.length<2;
  var subs=h.subtitleTracks.map(function(t){return t.name});fill(cs,subs,-1,'Off');cs.parentNode.hidden=subs.length===0;
  if(wantText){h.subtitleTracks.forEach(function(t,i){if(t.lang===wantText){h.subtitleTrack=i;cs.value=String(i)}})}});
 h.on(window.Hls.Events.AUDIO_TRACKS_UPDATED,function(){fill(as,h.audioTracks.map(function(t){return t.name}),h.audioTrack);as.parentNode.hidden=h.audioTracks.length<2;});
 qs.onchange=function(){h.currentLevel=Number(qs.value)};
 as.onchange=function(){h.audioTrack=Number(as.value)};
 cs.onchange=function(){h.subtitleTrack=Number(cs.value)};
}else{v.src=src;}})();
</script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
