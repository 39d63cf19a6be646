// Cloudflare Images signing keys: list with the key values to copy, create (by name), delete.
import { cf } from '../api.js';
import { confirmAction, copyRow, errorBox, h } from '../ui.js';

export async function renderSigningKeys(main) {
  const status = h('div');
  const list = h('section', { id: 'key-list' });
  const form = h(
    'form',
    { class: 'card row wrap', id: 'key-form' },
    h(
      'label',
      { class: 'grow' },
      'New key name',
      h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}' }),
    ),
    h('button', { type: 'submit' }, 'Create key'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await run(() => cf(`/images/v1/keys/${encodeURIComponent(form.elements.name.value)}`, { method: 'PUT' }));
    form.reset();
  });
  main.append(
    h('h1', {}, 'Signing keys'),
    h(
      'p',
      { class: 'muted' },
      'Keys sign Cloudflare Images URLs (?exp=&sig=) for images that require signed URLs.',
    ),
    status,
    form,
    list,
  );

  async function run(call) {
    try {
      show((await call()).keys);
      status.replaceChildren();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  }
  function show(keys) {
    list.replaceChildren(
      ...(keys.length === 0
        ? [h('p', { class: 'empty muted' }, 'No signing keys yet.')]
        : keys.map((key) => {
            const remove = h('button', { type: 'button', class: 'danger small' }, 'Delete');
            remove.addEventListener('click', async () => {
              if (!(await confirmAction(`Delete the key “${key.name}”? URLs signed with it stop working.`)))
                return;
              await run(() => cf(`/images/v1/keys/${encodeURIComponent(key.name)}`, { method: 'DELETE' }));
            });
            return h(
              'div',
              { class: 'card key', dataset: { name: key.name } },
              copyRow(key.name, key.value),
              remove,
            );
          })),
    );
  }
  await run(() => cf('/images/v1/keys'));
}
