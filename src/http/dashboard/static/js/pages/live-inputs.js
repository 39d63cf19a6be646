// Stream live inputs: list, create, delete; each with its RTMP URL + stream key and SRT URL to copy.
import { cf } from '../api.js';
import { confirmAction, copyRow, errorBox, formatDate, h } from '../ui.js';

export async function renderLiveInputs(main) {
  const status = h('div');
  const list = h('section', { id: 'live-list' });
  const form = h(
    'form',
    { class: 'card row wrap', id: 'live-form' },
    h('label', { class: 'grow' }, 'Name', h('input', { name: 'name', placeholder: 'Studio camera' })),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'record', checked: true }),
      'Record broadcasts',
    ),
    h('button', { type: 'submit' }, 'Create live input'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = form.elements.name.value.trim();
    try {
      await cf('/stream/live_inputs', {
        method: 'POST',
        json: {
          meta: name ? { name } : {},
          recording: { mode: form.elements.record.checked ? 'automatic' : 'off' },
        },
      });
      form.reset();
      status.replaceChildren();
      await load();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  main.append(h('h1', {}, 'Live inputs'), status, form, list);

  async function load() {
    try {
      // The list has summaries; the ingest URLs and keys come with each input's own record.
      const { liveInputs: summaries } = await cf('/stream/live_inputs');
      const inputs = await Promise.all(
        summaries.map((s) => cf(`/stream/live_inputs/${encodeURIComponent(s.uid)}`)),
      );
      list.replaceChildren(
        ...(inputs.length === 0
          ? [h('p', { class: 'empty muted' }, 'No live inputs yet.')]
          : inputs.map((input) => liveCard(input, status, load))),
      );
    } catch (err) {
      list.replaceChildren(errorBox(err));
    }
  }
  await load();
}

function liveCard(input, status, reload) {
  const name = input.meta?.name || input.uid;
  const remove = h('button', { type: 'button', class: 'danger small' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete the live input “${name}”? Its stream key stops working.`))) return;
    try {
      await cf(`/stream/live_inputs/${encodeURIComponent(input.uid)}`, { method: 'DELETE' });
      await reload();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  const state = input.status ?? 'idle';
  return h(
    'div',
    { class: 'card live-input', dataset: { uid: input.uid } },
    h('div', { class: 'row between wrap' }, h('h2', {}, name), remove),
    h(
      'p',
      { class: 'muted' },
      `${state} · created ${formatDate(input.created)} · recording ${input.recording?.mode ?? 'off'}`,
    ),
    input.rtmps
      ? [
          copyRow('RTMP URL', input.rtmps.url),
          copyRow('Stream key', input.rtmps.streamKey),
          copyRow('SRT URL', srtUrl(input.srt)),
        ]
      : h('p', { class: 'muted' }, 'Live ingest is turned off on this server (KILN_RTMP_PORT=0).'),
    input.playback?.hls ? copyRow('HLS playback', input.playback.hls) : null,
  );
}

/** The SRT URL as OBS and ffmpeg take it: stream id and passphrase in the query. */
function srtUrl(srt) {
  const q = new URLSearchParams({ streamid: srt.streamId, passphrase: srt.passphrase });
  return `${srt.url}?${q}`;
}
