// An image's variants on its asset page: each delivery URL with a copy button and the variant rendered.
import { cf } from '../api.js';
import { copyRow, errorBox, h } from '../ui.js';

/**
 * Variants exist for Cloudflare Images assets (the dashboard uploads photos there); an image uploaded
 * through Kiln's own API has none, and the card says so. A dashboard upload's image id is its asset id.
 */
export async function assetVariants(asset) {
  const card = h('section', { class: 'card', id: 'variants' }, h('h2', {}, 'Variants'));
  if (asset.source !== 'cloudflare-images') {
    card.append(
      h(
        'p',
        { class: 'muted' },
        'Variants apply to Cloudflare Images; this image was uploaded through Kiln’s own API.',
      ),
    );
    return card;
  }
  try {
    const image = await cf(`/images/v1/${encodeURIComponent(asset.id)}`);
    if (image.requireSignedURLs)
      card.append(
        h(
          'p',
          { class: 'muted' },
          'This image requires signed URLs: only variants that never require them load.',
        ),
      );
    card.append(
      h('div', { class: 'variant-grid' }, image.variants.map(variantFigure)),
      h('p', {}, h('a', { href: '#/variants' }, 'Manage variants')),
    );
  } catch (err) {
    card.append(errorBox(err));
  }
  return card;
}

function variantFigure(url) {
  const name = decodeURIComponent(url.split('/').pop());
  return h(
    'figure',
    { class: 'variant-preview', dataset: { variant: name } },
    h('div', { class: 'variant-img' }, h('img', { src: url, alt: `Variant ${name}`, loading: 'lazy' })),
    h('figcaption', {}, copyRow(name, url)),
  );
}
