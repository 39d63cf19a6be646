// Cloudflare Stream's watch and iframe pages: hls.js where Media Source Extensions exist, with menus
// for quality (Auto + each rung), audio track and captions; native HLS elsewhere (iOS Safari). The
// page's settings arrive as a JSON data block (never as inline script), so the page runs under a
// CSP with `script-src 'self'` and no value from the URL can become script.
(() => {
  const v = document.getElementById('v');
  const configEl = document.getElementById('kiln-watch-config');
  if (!v || !configEl) return;
  const { src, startTime, defaultTextTrack } = JSON.parse(configEl.textContent);
  v.addEventListener(
    'loadedmetadata',
    () => {
      if (startTime > 0) {
        try {
          v.currentTime = startTime;
        } catch {}
      }
    },
    { once: true },
  );
  const bar = document.getElementById('bar');
  const qs = document.getElementById('q');
  const as = document.getElementById('a');
  const cs = document.getElementById('c');
  const fill = (sel, items, current, auto) => {
    sel.replaceChildren();
    if (auto) sel.add(new Option(auto, '-1'));
    items.forEach((it, i) => {
      sel.add(new Option(it, String(i)));
    });
    sel.value = String(current);
  };
  const Hls = window.Hls;
  if (!Hls?.isSupported()) {
    v.src = src;
    return;
  }
  const h = new Hls({ subtitleDisplay: true });
  window.kilnHls = h;
  h.loadSource(src);
  h.attachMedia(v);
  const fillAudio = () => {
    fill(
      as,
      h.audioTracks.map((t) => t.name),
      h.audioTrack,
    );
    as.parentNode.hidden = h.audioTracks.length < 2;
  };
  h.on(Hls.Events.MANIFEST_PARSED, () => {
    bar.hidden = false;
    fill(
      qs,
      h.levels.map((l) => `${l.height}p`),
      -1,
      'Auto',
    );
    qs.parentNode.hidden = h.levels.length < 2;
    fillAudio();
    const subs = h.subtitleTracks.map((t) => t.name);
    fill(cs, subs, -1, 'Off');
    cs.parentNode.hidden = subs.length === 0;
    if (defaultTextTrack) {
      h.subtitleTracks.forEach((t, i) => {
        if (t.lang === defaultTextTrack) {
          h.subtitleTrack = i;
          cs.value = String(i);
        }
      });
    }
  });
  h.on(Hls.Events.AUDIO_TRACKS_UPDATED, fillAudio);
  qs.onchange = () => {
    h.currentLevel = Number(qs.value);
  };
  as.onchange = () => {
    h.audioTrack = Number(as.value);
  };
  cs.onchange = () => {
    h.subtitleTrack = Number(cs.value);
  };
})();
