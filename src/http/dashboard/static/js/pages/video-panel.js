// A video's playback. Videos that went through the Cloudflare Stream dialect have an adaptive
// stream: their state, thumbnail and HLS manifest come from the Stream API, and the player plays it.
import { api, kiln } from '../api.js';
import { errorBox, h } from '../ui.js';

const STREAM_SOURCE = 'cloudflare-stream';

export async function videoPanel(asset) {
  const card = h('section', { class: 'card', id: 'video-panel' }, h('h2', {}, 'Player'));
  if (asset.source !== STREAM_SOURCE) {
    card.append(
      h(
        'p',
        { class: 'muted' },
        'Uploaded as a plain file: the original plays above. Videos uploaded here are sent to the video pipeline.',
      ),
    );
    return card;
  }
  const { id: accountId } = await kiln.account();
  const state = h('p', { class: 'muted', id: 'video-state' });
  const box = h('div', { class: 'player-box' });
  card.append(state, box, minutesViewed(asset.id));
  // Poll until ready or error, and stop once the panel has been shown and then left (navigation).
  // The first poll runs before the caller attaches the card, so "not connected" alone must not stop it.
  let shown = false;
  const poll = async () => {
    if (card.isConnected) shown = true;
    else if (shown) return;
    try {
      const { result: video } = await api(`/client/v4/accounts/${accountId}/stream/${asset.id}`);
      const s = video.status ?? {};
      state.textContent = `State: ${s.state}${s.pctComplete && s.state !== 'ready' ? ` (${Math.round(Number(s.pctComplete))}%)` : ''}${s.errorReasonText ? `: ${s.errorReasonText}` : ''}`;
      if (s.state === 'ready') {
        const { mountPlayer } = await import('../player.js');
        mountPlayer(box, { manifestUrl: video.playback.hls, posterUrl: video.thumbnail });
      } else if (s.state !== 'error') {
        setTimeout(poll, 2000);
      }
    } catch (err) {
      state.replaceChildren(errorBox(err));
    }
  };
  await poll();
  return card;
}

/** Minutes viewed over the last 30 days, estimated from delivered segments (GET /kiln/v1/usage). */
function minutesViewed(assetId) {
  const line = h('p', { class: 'muted', id: 'minutes-viewed' });
  const from = Math.floor(Date.now() / 1000) - 30 * 86400;
  const q = `granularity=day&metric=minutes_viewed&top=0&from=${from}&asset=${encodeURIComponent(assetId)}`;
  api(`/kiln/v1/usage?${q}`)
    .then((report) => {
      const minutes = report.series[0]?.total ?? 0;
      line.dataset.value = String(minutes);
      line.textContent = `Minutes viewed (last 30 days): ${minutes.toLocaleString('en', { maximumFractionDigits: 2 })}`;
    })
    .catch(() => {});
  return line;
}
