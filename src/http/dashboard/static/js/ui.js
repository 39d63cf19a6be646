// Small DOM helpers shared by the pages.

/** h('div', {class: 'x', onclick}, child, 'text') */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY))
    if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function formatBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDate(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** A plain error box: what the API said, nothing hidden. */
export function errorBox(err) {
  const status = err?.status ? ` (${err.status}${err.code ? ` ${err.code}` : ''})` : '';
  return h('div', { class: 'error', role: 'alert' }, `${err?.message ?? err}${status}`);
}

export function copyButton(text, label = 'Copy') {
  const button = h('button', { type: 'button', class: 'secondary small' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      // Clipboard needs a secure context: select the text instead so the user can copy it.
      button.closest('.copy-row')?.querySelector('input')?.select();
      button.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => (button.textContent = label), 1500);
  });
  return button;
}

/** A read-only URL field with its copy button. */
export function copyRow(label, value) {
  return h(
    'div',
    { class: 'copy-row' },
    h('label', {}, label, h('input', { readonly: true, value, onfocus: (e) => e.target.select() })),
    copyButton(value),
  );
}

/** Resolves true when the user confirms in the page's <dialog>. */
export function confirmAction(text, okLabel = 'Delete') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }),
  );
}

export function kindIcon(kind) {
  return { image: 'IMG', video: 'VIDEO', file: 'FILE' }[kind] ?? 'FILE';
}
