// The dashboard shell: a hash router over the pages; the header's storage figure is usage-figure.js.
import { session } from './api.js';
import { renderAsset } from './pages/asset.js';
import { renderAssets } from './pages/assets.js';
import { renderLiveInputs } from './pages/live-inputs.js';
import { renderSignIn } from './pages/sign-in.js';
import { renderSigningKeys } from './pages/signing-keys.js';
import { renderUsage } from './pages/usage.js';
import { renderVariants } from './pages/variants.js';
import { renderWebhooks } from './pages/webhooks.js';
import { errorBox } from './ui.js';
import { refreshUsage } from './usage-figure.js';

const main = document.getElementById('main');
/** The account pages, by path. */
const PAGES = {
  '/variants': renderVariants,
  '/keys': renderSigningKeys,
  '/webhooks': renderWebhooks,
  '/live': renderLiveInputs,
};
const nav = document.getElementById('nav');

async function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  nav.hidden = !session.token;
  main.replaceChildren();
  for (const a of nav.querySelectorAll('a[href^="#/"]'))
    a.toggleAttribute('aria-current', a.getAttribute('href') === `#${path || '/'}`);
  if (!session.token || path === '/sign-in') return renderSignIn(main);
  refreshUsage();
  try {
    const asset = /^\/assets\/(.+)$/.exec(path);
    if (asset) await renderAsset(main, decodeURIComponent(asset[1]));
    else if (path === '/usage') await renderUsage(main, params);
    else if (PAGES[path]) await PAGES[path](main);
    else await renderAssets(main, params);
  } catch (err) {
    main.append(errorBox(err));
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  location.hash = '#/sign-in';
});
window.addEventListener('hashchange', route);
route();
