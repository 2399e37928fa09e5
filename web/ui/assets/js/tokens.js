// @ts-check
// The API tokens page: a user's personal API tokens (an admin sees
// everyone's). A new token is shown once, to be copied; any can be
// revoked. A token acts with its role, at most its user's.

import { get, post, del } from './api.js';
import { h, clear, timeEl, toast, confirmDialog } from './dom.js';
import { setTitle } from './nav.js';
import { me, can } from './me.js';

/**
 * tokensPage draws the API tokens page in root.
 * @param {HTMLElement} root
 */
export async function tokensPage(root) {
  setTitle('API tokens');
  const page = h('div', { class: 'page narrow tokens-page' });
  root.append(page);
  page.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'API tokens')),
    h('p', { class: 'help' }, 'Personal tokens for scripts and CI: send one as ', h('code', null, 'Authorization: Bearer <token>'),
      '. A token acts with its role, never more than yours.'));
  /** @type {{id: string, name: string, role: string, email: string, created_at: string, expires_at?: string}[]} */
  let { tokens } = await get('/tokens');
  const listBox = h('section', { class: 'card flush', 'aria-labelledby': 'tokens-list-h' });

  if (me.email) {
    const name = /** @type {HTMLInputElement} */ (h('input', { id: 'token-name', autocomplete: 'off', placeholder: 'deploy script' }));
    const roles = ['viewer', 'editor', 'admin'].filter((r) => can(/** @type {any} */ (r)));
    const role = /** @type {HTMLSelectElement} */ (h('select', { id: 'token-role' },
      roles.map((r) => h('option', { value: r, selected: r === me.role ? true : null }, r))));
    const expires = /** @type {HTMLSelectElement} */ (h('select', { id: 'token-expires' },
      h('option', { value: '30d' }, '30 days'), h('option', { value: '90d' }, '90 days'),
      h('option', { value: '365d' }, 'A year'), h('option', { value: '' }, 'Never')));
    const err = h('p', { class: 'error-text', role: 'alert', id: 'token-error' });
    const shown = h('div', { id: 'token-shown' });
    page.append(h('section', { class: 'card', 'aria-labelledby': 'token-add-h' }, h('form', {
      class: 'card-body',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        err.textContent = '';
        try {
          const t = await post('/tokens', { name: name.value.trim(), role: role.value, expires_in: expires.value });
          clear(shown).append(h('div', { class: 'banner', role: 'status' },
            h('p', null, h('strong', null, 'Copy this token now: it is not shown again.')),
            h('input', { class: 'mono grow', id: 'token-value', readonly: true, value: t.token, 'aria-label': 'The new token', onfocus: (/** @type {Event} */ ev) => /** @type {HTMLInputElement} */ (ev.target).select() })));
          name.value = '';
          await reload();
        } catch (x) { err.textContent = x.message; }
      },
    },
    h('h2', { id: 'token-add-h' }, 'Make a token'),
    h('div', { class: 'grid2' },
      h('div', { class: 'field' }, h('label', { for: 'token-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'token-role' }, 'Role'), role)),
    h('div', { class: 'field' }, h('label', { for: 'token-expires' }, 'Expires'), expires),
    err,
    h('button', { type: 'submit', class: 'btn primary', id: 'token-add' }, 'Make token'),
    shown)));
  } else {
    page.append(h('p', { class: 'banner' }, 'You are logged in with the admin token, which is no user: log in as a user to make a personal token.'));
  }
  page.append(listBox);

  const reload = async () => { ({ tokens } = await get('/tokens')); draw(); };
  const draw = () => {
    clear(listBox).append(h('h2', { id: 'tokens-list-h', class: 'card-title' }, 'Tokens', h('span', { class: 'count' }, String(tokens.length))));
    if (tokens.length === 0) {
      listBox.append(h('p', { class: 'empty-note muted', id: 'tokens-empty' }, 'No tokens yet.'));
      return;
    }
    const tbody = h('tbody');
    listBox.append(h('table', { class: 'table tokens-table' },
      h('caption', { class: 'sr-only' }, 'API tokens, newest first'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'User'),
        h('th', { scope: 'col' }, 'Made'), h('th', { scope: 'col' }, 'Expires'),
        h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
      tbody));
    for (const t of tokens) {
      tbody.append(h('tr', { dataset: { token: t.name } },
        h('td', null, t.name), h('td', null, t.role), h('td', { class: 'mono' }, t.email || ''),
        h('td', null, timeEl(t.created_at)), h('td', null, t.expires_at ? timeEl(t.expires_at) : 'never'),
        h('td', { class: 'col-actions' }, h('button', {
          type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Revoke ${t.name}`,
          onclick: async () => {
            const ok = await confirmDialog({ title: `Revoke the token “${t.name}”?`, message: 'Whatever uses it stops working at once.', confirm: 'Revoke', danger: true });
            if (!ok) return;
            try {
              await del(`/tokens/${encodeURIComponent(t.id)}`);
              toast(`Token ${t.name} revoked`);
              await reload();
            } catch (x) { toast(x.message, 'error'); }
          },
        }, 'Revoke'))));
    }
  };
  draw();
}
