// Image variants (Cloudflare Images): the list, a create form, delete, and the flexible-variants switch.
import { cf } from '../api.js';
import { confirmAction, errorBox, h } from '../ui.js';

const FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad'];
const METADATA = ['none', 'copyright', 'keep'];

export async function renderVariants(main) {
  const status = h('div');
  const list = h('section', { id: 'variant-list' });
  main.append(
    h('h1', {}, 'Image variants'),
    h(
      'p',
      { class: 'muted' },
      'Named sizes for Cloudflare Images: every image is served at /<hash>/<id>/<variant>.',
    ),
    status,
    await flexibleSwitch(status),
    createForm(status, () => load()),
    list,
  );

  async function load() {
    try {
      const { variants } = await cf('/images/v1/variants');
      const rows = Object.values(variants);
      list.replaceChildren(
        h('h2', {}, `${rows.length} variant${rows.length === 1 ? '' : 's'}`),
        rows.length
          ? h(
              'div',
              { class: 'table' },
              rows.map((v) => variantRow(v, status, load)),
            )
          : null,
      );
    } catch (err) {
      list.replaceChildren(errorBox(err));
    }
  }
  await load();
}

function variantRow(v, status, reload) {
  const o = v.options;
  const remove = h('button', { type: 'button', class: 'danger small' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete the variant “${v.id}”? Its URLs stop working.`))) return;
    try {
      await cf(`/images/v1/variants/${encodeURIComponent(v.id)}`, { method: 'DELETE' });
      await reload();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  return h(
    'div',
    { class: 'card row between wrap variant', dataset: { id: v.id } },
    h(
      'div',
      {},
      h('strong', { class: 'mono' }, v.id),
      h('div', { class: 'muted' }, `${o.fit} · ${o.width} × ${o.height} · metadata ${o.metadata}`),
      v.neverRequireSignedURLs ? h('div', { class: 'muted' }, 'Never requires signed URLs') : null,
    ),
    remove,
  );
}

function createForm(status, reload) {
  const field = (label, input) => h('label', {}, label, input);
  const select = (name, values) =>
    h(
      'select',
      { name },
      values.map((v) => h('option', { value: v }, v)),
    );
  const form = h(
    'form',
    { class: 'card', id: 'variant-form' },
    h('h2', {}, 'New variant'),
    h(
      'div',
      { class: 'row wrap fields' },
      field(
        'Id',
        h('input', {
          name: 'id',
          required: true,
          pattern: '[A-Za-z0-9_\\-]{1,99}',
          placeholder: 'thumbnail',
        }),
      ),
      field('Fit', select('fit', FITS)),
      field(
        'Width',
        h('input', { name: 'width', type: 'number', min: 1, max: 12000, required: true, value: 320 }),
      ),
      field(
        'Height',
        h('input', { name: 'height', type: 'number', min: 1, max: 12000, required: true, value: 240 }),
      ),
      field('Metadata', select('metadata', METADATA)),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'neverRequireSignedURLs' }),
      'Never require signed URLs',
    ),
    h('button', { type: 'submit' }, 'Create variant'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    try {
      await cf('/images/v1/variants', {
        method: 'POST',
        json: {
          id: d.get('id'),
          options: {
            fit: d.get('fit'),
            width: Number(d.get('width')),
            height: Number(d.get('height')),
            metadata: d.get('metadata'),
          },
          neverRequireSignedURLs: d.get('neverRequireSignedURLs') === 'on',
        },
      });
      status.replaceChildren();
      form.elements.id.value = '';
      await reload();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  return form;
}

/** Flexible variants: any `w=,h=,fit=` options in the URL instead of a named variant. */
async function flexibleSwitch(status) {
  const box = h('input', { type: 'checkbox', name: 'flexible', role: 'switch' });
  try {
    box.checked = (await cf('/images/v1/config')).flexible_variants === true;
  } catch (err) {
    status.replaceChildren(errorBox(err));
  }
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      const result = await cf('/images/v1/config', {
        method: 'PATCH',
        json: { flexible_variants: box.checked },
      });
      box.checked = result.flexible_variants === true;
    } catch (err) {
      box.checked = !box.checked;
      status.replaceChildren(errorBox(err));
    }
    box.disabled = false;
  });
  return h(
    'div',
    { class: 'card' },
    h('label', { class: 'check' }, box, 'Flexible variants'),
    h(
      'p',
      { class: 'muted small' },
      'Lets image URLs carry resizing options (e.g. w=400,fit=cover) instead of a variant name.',
    ),
  );
}
