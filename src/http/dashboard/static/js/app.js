// The dashboard shell: a hash router over three pages, and the header's storage figure.
import { kiln, session } from './api.js';
import { renderAsset } from './pages/asset.js';
import { renderAssets } from './pages/assets.js';
import { renderSignIn } from './pages/sign-in.js';
import { errorBox, formatBytes } from './ui.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

export async function refreshUsage() {
  try {
    const account = await kiln.account();
    document.getElementById('usage').textContent =
      `${account.name} · ${formatBytes(account.storedBytes)} in ${account.assets} assets`;
  } catch {}
}

async function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  nav.hidden = !session.token;
  main.replaceChildren();
  if (!session.token || path === '/sign-in') return renderSignIn(main);
  refreshUsage();
  try {
    const asset = /^\/assets\/(.+)$/.exec(path);
    if (asset) await renderAsset(main, decodeURIComponent(asset[1]));
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
