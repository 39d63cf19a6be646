// Sign in with an account's API token (kept in sessionStorage for this tab only).
import { session } from '../api.js';
import { errorBox, h } from '../ui.js';

export function renderSignIn(main) {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    placeholder: 'API token',
  });
  const status = h('div');
  const form = h(
    'form',
    { class: 'card narrow', id: 'sign-in' },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'muted' },
      'Paste the API token of your account (from ',
      h('code', {}, 'kiln accounts create'),
      ').',
    ),
    h('label', {}, 'API token', input),
    status,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    const token = input.value.trim();
    try {
      const res = await fetch('/kiln/v1/account', { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 401) throw { message: 'That token is not valid.', status: 401 };
      if (!res.ok)
        throw { message: `The server answered ${res.status} ${res.statusText}`, status: res.status };
      session.set(token);
      if (location.hash === '#/') window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = '#/';
    } catch (err) {
      status.append(errorBox(err));
    }
  });
  main.append(form);
  input.focus();
}
