// One asset: preview, metadata, URLs with copy buttons, the transform preview for images, delete.
import { kiln } from '../api.js';
import { confirmAction, copyRow, errorBox, formatBytes, formatDate, h } from '../ui.js';
import { assetVariants } from './asset-variants.js';
import { imageTools } from './image-tools.js';
import { videoPanel } from './video-panel.js';

export async function renderAsset(main, id) {
  const asset = await kiln.get(id);
  const title = asset.name ?? asset.id;
  const status = h('div');
  const remove = h('button', { type: 'button', class: 'danger', id: 'delete' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete “${title}”? Its bytes and every variant are removed for good.`)))
      return;
    try {
      await kiln.remove(asset.id);
      location.hash = '#/';
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });

  main.append(
    h('p', {}, h('a', { href: '#/' }, '← All assets')),
    h('div', { class: 'row between' }, h('h1', { class: 'title' }, title), remove),
    status,
    h(
      'div',
      { class: 'asset-layout' },
      h('section', { class: 'preview' }, preview(asset)),
      h('section', {}, details(asset), urls(asset)),
    ),
  );
  if (asset.kind === 'image') main.append(await assetVariants(asset), await imageTools(asset));
  if (asset.kind === 'video') main.append(await videoPanel(asset));
}

function preview(asset) {
  if (asset.kind === 'image') return h('img', { src: asset.url, alt: asset.name ?? '', class: 'original' });
  // Stream videos play in the player below, from their adaptive stream.
  if (asset.kind === 'video' && asset.source === 'cloudflare-stream') return h('div');
  if (asset.kind === 'video' && asset.url)
    return h('video', { src: asset.url, controls: true, preload: 'metadata', class: 'original' });
  return h(
    'div',
    { class: 'thumb big' },
    h('span', { class: 'icon' }, 'FILE'),
    h('p', {}, asset.contentType),
  );
}

function details(asset) {
  const rows = [
    ['Id', asset.id],
    ['Kind', asset.kind],
    ['Status', asset.status],
    ['Type', asset.contentType],
    ['Size', `${formatBytes(asset.size)} (${asset.size} bytes)`],
    asset.width ? ['Dimensions', `${asset.width} × ${asset.height}`] : null,
    asset.durationSeconds ? ['Duration', `${asset.durationSeconds.toFixed(1)} s`] : null,
    ['Uploaded via', asset.source],
    ['Created', formatDate(asset.createdAt)],
    asset.expiresAt ? ['Expires', formatDate(asset.expiresAt)] : null,
    ['SHA-256', asset.sha256 ?? '—'],
  ].filter(Boolean);
  const meta = Object.entries(asset.metadata ?? {});
  return h(
    'div',
    { class: 'card' },
    h('h2', {}, 'Details'),
    h(
      'dl',
      { class: 'facts' },
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
    ),
    meta.length
      ? [h('h3', {}, 'Metadata'), h('pre', { class: 'json' }, JSON.stringify(asset.metadata, null, 2))]
      : null,
  );
}

function urls(asset) {
  if (!asset.url) return h('div');
  const download = `${asset.url}${asset.url.includes('?') ? '&' : '?'}download`;
  return h(
    'div',
    { class: 'card' },
    h('h2', {}, 'URLs'),
    copyRow('Signed link (7 days)', asset.url),
    copyRow('Download', download),
  );
}
