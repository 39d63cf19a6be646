// Live transform preview of an image: width, height, fit and format, with the result's byte size.
// When the operator allows remote sources (KILN_IMAGE_SOURCES), a remote URL can be tried instead.
import { apiBlob, kiln } from '../api.js';
import { errorBox, formatBytes, h } from '../ui.js';

const FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad'];
const FORMATS = ['auto', 'webp', 'avif', 'jpeg', 'png'];

export async function imageTools(asset) {
  const width = h('input', {
    type: 'number',
    name: 'width',
    min: 1,
    max: 8192,
    value: 480,
    'aria-label': 'Width',
  });
  const height = h('input', {
    type: 'number',
    name: 'height',
    min: 1,
    max: 8192,
    placeholder: 'auto',
    'aria-label': 'Height',
  });
  const fit = h(
    'select',
    { name: 'fit', 'aria-label': 'Fit' },
    FITS.map((f) => h('option', { value: f }, f)),
  );
  const format = h(
    'select',
    { name: 'format', 'aria-label': 'Format' },
    FORMATS.map((f) => h('option', { value: f }, f)),
  );
  const remote = h('input', {
    type: 'url',
    name: 'remote',
    placeholder: 'this image',
    'aria-label': 'Remote URL',
  });
  const remoteLabel = h('label', { hidden: true }, 'Remote URL', remote);
  kiln
    .imageSources()
    .then((s) => {
      remoteLabel.hidden = !s.enabled;
    })
    .catch(() => {});
  const result = h('figure', { class: 'transform-result' });
  const optionsField = h('output', { class: 'mono' });
  let previous = null;

  async function render() {
    const parts = [];
    if (width.value) parts.push(`width=${width.value}`);
    if (height.value) parts.push(`height=${height.value}`);
    parts.push(`fit=${fit.value}`, `format=${format.value}`);
    const options = parts.join(',');
    optionsField.textContent = options;
    try {
      const source = remote.value.trim();
      const img = await apiBlob(
        source ? kiln.remoteImagePath(source, options) : kiln.imagePath(asset.id, options),
      );
      if (previous) URL.revokeObjectURL(previous);
      previous = img.url;
      const el = h('img', { src: img.url, alt: 'Transformed preview' });
      el.addEventListener('load', () => {
        caption.textContent = `${el.naturalWidth} × ${el.naturalHeight} · ${img.type} · ${formatBytes(img.size)}`;
      });
      const caption = h('figcaption', { id: 'transform-size' }, `${img.type} · ${formatBytes(img.size)}`);
      result.replaceChildren(el, caption);
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  }

  let timer;
  const form = h(
    'form',
    { class: 'row wrap', id: 'transform' },
    h('label', {}, 'Width', width),
    h('label', {}, 'Height', height),
    h('label', {}, 'Fit', fit),
    h('label', {}, 'Format', format),
    remoteLabel,
  );
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  render();
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Transform preview'),
    form,
    h('p', { class: 'muted' }, 'Options: ', optionsField),
    result,
  );
}
