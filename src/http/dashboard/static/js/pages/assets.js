// The asset browser: upload area, search and kind filter, a grid of thumbnails, pagination.
import { apiBlob, kiln } from '../api.js';
import { errorBox, formatBytes, formatDate, h, kindIcon } from '../ui.js';
import { mountUploader } from '../uploader.js';
import { refreshUsage } from '../usage-figure.js';

const PAGE_SIZE = 24;

export async function renderAssets(main, params) {
  const search = params.get('search') ?? '';
  const kind = params.get('kind') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);

  const uploadArea = h('section', { class: 'uploader', id: 'uploader' });
  const filters = filterForm(search, kind);
  const results = h('section', { class: 'results' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(h('h1', {}, 'Assets'), uploadArea, filters, results);

  let reloadTimer;
  mountUploader(uploadArea, {
    onUploaded: () => {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => load(), 300);
    },
  });

  async function load() {
    try {
      const list = await kiln.list({ search, kind, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
      results.replaceChildren(summary(list), grid(list.assets), pager(list, page, { search, kind }));
      refreshUsage();
    } catch (err) {
      results.replaceChildren(errorBox(err));
    }
  }
  await load();
}

function filterForm(search, kind) {
  const input = h('input', {
    type: 'search',
    name: 'search',
    value: search,
    placeholder: 'Search by name',
    'aria-label': 'Search',
  });
  const select = h(
    'select',
    { name: 'kind', 'aria-label': 'Kind' },
    ['', 'image', 'video', 'file'].map((k) =>
      h('option', { value: k, selected: k === kind }, k ? `${k}s` : 'All kinds'),
    ),
  );
  const form = h(
    'form',
    { class: 'filters row', role: 'search' },
    input,
    select,
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/?${hashQuery({ search: input.value.trim(), kind: select.value })}`;
  });
  select.addEventListener('change', () => form.requestSubmit());
  return form;
}

function summary(list) {
  if (list.total === 0) return h('p', { class: 'muted empty' }, 'No assets yet: drop files above.');
  const last = Math.min(list.offset + list.assets.length, list.total);
  return h('p', { class: 'muted' }, `${list.offset + 1}–${last} of ${list.total}`);
}

function grid(assets) {
  return h(
    'ul',
    { class: 'grid' },
    assets.map((a) => h('li', {}, card(a))),
  );
}

function card(asset) {
  const thumb = h('div', { class: 'thumb' }, h('span', { class: 'icon' }, kindIcon(asset.kind)));
  if (asset.kind === 'image') {
    apiBlob(kiln.imagePath(asset.id, 'width=320,height=320,fit=cover,format=auto'))
      .then(({ url }) => thumb.replaceChildren(h('img', { src: url, alt: '', loading: 'lazy' })))
      .catch(() => {});
  }
  return h(
    'a',
    { class: 'card asset-card', href: `#/assets/${encodeURIComponent(asset.id)}`, dataset: { id: asset.id } },
    thumb,
    h('div', { class: 'name', title: asset.name ?? asset.id }, asset.name ?? asset.id),
    h('div', { class: 'meta muted' }, `${asset.kind} · ${formatBytes(asset.size)} · ${asset.status}`),
    h('div', { class: 'meta muted' }, formatDate(asset.createdAt)),
  );
}

function pager(list, page, filters) {
  const pages = Math.max(1, Math.ceil(list.total / list.limit));
  if (pages === 1) return h('nav', { class: 'pager' });
  const link = (p, label) =>
    p < 1 || p > pages
      ? h('span', { class: 'disabled' }, label)
      : h('a', { href: `#/?${hashQuery({ ...filters, page: p })}`, rel: p < page ? 'prev' : 'next' }, label);
  return h(
    'nav',
    { class: 'pager row', 'aria-label': 'Pages' },
    link(page - 1, '← Previous'),
    h('span', {}, `Page ${page} of ${pages}`),
    link(page + 1, 'Next →'),
  );
}

function hashQuery(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v && !(k === 'page' && v === 1)) q.set(k, String(v));
  return q.toString();
}
