// A video's playback: the HLS player when the video has an adaptive stream, else the original.
import { h } from '../ui.js';

export async function videoPanel(asset) {
  const hls = asset.playback?.hls;
  if (!hls)
    return h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Playback'),
      h('p', { class: 'muted' }, 'This video has no adaptive stream; the original plays above.'),
    );
  const { mountPlayer } = await import('../player.js');
  const box = h('div', { class: 'player-box' });
  mountPlayer(box, { manifestUrl: hls, posterUrl: asset.thumbnail ?? null });
  return h('section', { class: 'card' }, h('h2', {}, 'Player'), box);
}
