// The video player: hls.js (or native HLS on Safari/iOS), a poster, and menus for quality,
// captions and audio tracks. Used by the player page (and Stream's embed) and the dashboard.

function select(label, name) {
  const el = document.createElement('select');
  el.name = name;
  el.setAttribute('aria-label', label);
  const wrap = document.createElement('label');
  wrap.className = 'player-menu';
  wrap.hidden = true;
  wrap.append(`${label} `, el);
  return { wrap, el };
}

function fill({ wrap, el }, options, selected) {
  el.replaceChildren(
    ...options.map(
      ([value, text]) => new Option(text, String(value), false, String(value) === String(selected)),
    ),
  );
  wrap.hidden = options.length < 2;
}

const trackName = (t, i) => t.name || t.lang || `Track ${i + 1}`;

/**
 * Mounts a player in `container`. Returns { video, hls } (hls is null with native playback).
 * options: { manifestUrl, posterUrl, autoplay, muted, loop, startTime }
 */
export function mountPlayer(container, options) {
  const video = document.createElement('video');
  video.controls = true;
  video.playsInline = true;
  video.preload = 'metadata';
  video.crossOrigin = 'anonymous';
  if (options.posterUrl) video.poster = options.posterUrl;
  video.autoplay = Boolean(options.autoplay);
  video.muted = Boolean(options.muted);
  video.loop = Boolean(options.loop);
  const quality = select('Quality', 'quality');
  const captions = select('Captions', 'captions');
  const audio = select('Audio', 'audio');
  const bar = document.createElement('div');
  bar.className = 'player-bar';
  bar.append(quality.wrap, captions.wrap, audio.wrap);
  const error = document.createElement('p');
  error.className = 'player-error';
  error.hidden = true;
  container.replaceChildren(video, bar, error);
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
  };
  if (options.startTime > 0)
    video.addEventListener('loadedmetadata', () => (video.currentTime = options.startTime), { once: true });

  const Hls = window.Hls;
  if (!Hls?.isSupported() && video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = options.manifestUrl;
    return { video, hls: null };
  }
  if (!Hls?.isSupported()) {
    fail('This browser cannot play HLS video.');
    return { video, hls: null };
  }

  const hls = new Hls({ capLevelToPlayerSize: true });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    const levels = hls.levels.map((l, i) => [
      i,
      l.height ? `${l.height}p` : `${Math.round(l.bitrate / 1000)} kb/s`,
    ]);
    fill(
      quality,
      [[-1, 'Auto'], ...levels.sort((a, b) => hls.levels[b[0]].bitrate - hls.levels[a[0]].bitrate)],
      -1,
    );
  });
  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => {
    fill(
      captions,
      [[-1, 'Off'], ...hls.subtitleTracks.map((t, i) => [i, trackName(t, i)])],
      hls.subtitleTrack,
    );
    captions.wrap.hidden = hls.subtitleTracks.length === 0;
  });
  hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => {
    fill(
      audio,
      hls.audioTracks.map((t, i) => [i, trackName(t, i)]),
      hls.audioTrack,
    );
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) fail(`Playback failed: ${data.details}`);
  });
  quality.el.addEventListener('change', () => (hls.currentLevel = Number(quality.el.value)));
  captions.el.addEventListener('change', () => {
    hls.subtitleTrack = Number(captions.el.value);
    hls.subtitleDisplay = hls.subtitleTrack >= 0;
  });
  audio.el.addEventListener('change', () => (hls.audioTrack = Number(audio.el.value)));
  hls.loadSource(options.manifestUrl);
  hls.attachMedia(video);
  return { video, hls };
}
