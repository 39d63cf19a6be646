// The header's storage figure: the account's name, stored bytes and asset count.
import { kiln } from './api.js';
import { formatBytes } from './ui.js';

export async function refreshUsage() {
  try {
    const account = await kiln.account();
    document.getElementById('usage').textContent =
      `${account.name} · ${formatBytes(account.storedBytes)} in ${account.assets} assets`;
  } catch {}
}
