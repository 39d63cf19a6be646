// The Stream webhook: where video events are POSTed. The signing secret is shown once, when set.
import { ApiError, cf } from '../api.js';
import { confirmAction, copyRow, errorBox, formatDate, h } from '../ui.js';

export async function renderWebhooks(main) {
  const status = h('div');
  const current = h('section', { id: 'webhook-current' });
  const input = h('input', {
    name: 'notificationUrl',
    type: 'url',
    required: true,
    placeholder: 'https://example.com/hooks/stream',
  });
  const form = h(
    'form',
    { class: 'card row wrap', id: 'webhook-form' },
    h('label', { class: 'grow' }, 'Notification URL', input),
    h('button', { type: 'submit' }, 'Save webhook'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const hook = await cf('/stream/webhook', { method: 'PUT', json: { notificationUrl: input.value } });
      status.replaceChildren(
        h(
          'div',
          { class: 'card notice', id: 'webhook-secret' },
          h(
            'p',
            {},
            'Webhook saved. Copy its signing secret now: it verifies the Webhook-Signature header, and is not shown again.',
          ),
          copyRow('Secret', hook.secret),
        ),
      );
      await load();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  main.append(
    h('h1', {}, 'Webhooks'),
    h('p', { class: 'muted' }, 'Kiln POSTs to this URL when a Stream video is ready or fails.'),
    status,
    current,
    form,
  );

  async function load() {
    try {
      const hook = await cf('/stream/webhook');
      input.value = hook.notificationUrl;
      const remove = h('button', { type: 'button', class: 'danger small', id: 'webhook-delete' }, 'Delete');
      remove.addEventListener('click', async () => {
        if (!(await confirmAction('Delete the webhook? Events stop being sent.'))) return;
        try {
          await cf('/stream/webhook', { method: 'DELETE' });
          status.replaceChildren();
          input.value = '';
          await load();
        } catch (err) {
          status.replaceChildren(errorBox(err));
        }
      });
      current.replaceChildren(
        h(
          'div',
          { class: 'card row between wrap' },
          h(
            'div',
            { class: 'grow' },
            h('strong', {}, 'Current'),
            h('div', { class: 'mono url' }, hook.notificationUrl),
            h('div', { class: 'muted' }, `Modified ${formatDate(hook.modified)}`),
          ),
          remove,
        ),
      );
    } catch (err) {
      // No webhook yet is a normal state, not an error.
      if (err instanceof ApiError && err.status === 404)
        current.replaceChildren(h('p', { class: 'empty muted' }, 'No webhook is set.'));
      else current.replaceChildren(errorBox(err));
    }
  }
  await load();
}
