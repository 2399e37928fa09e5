// @ts-check
// The Users page (admins): the people who log in, with their role; add
// one, change a role, remove one after a confirmation.

import { get, post, put, del } from './api.js';
import { h, clear, timeEl, toast, confirmDialog } from './dom.js';
import { setTitle } from './nav.js';
import { me } from './me.js';

const ROLES = [
  ['viewer', 'Viewer: reads workflows, runs and storage'],
  ['editor', 'Editor: also changes workflows, runs, replays and storage'],
  ['admin', 'Admin: also users, secrets, tokens and the audit log'],
];

/**
 * roleSelect is a select of the roles.
 * @param {Record<string, any>} attrs
 * @param {string} value
 * @param {boolean} [short] the role's name alone, for a table's row
 */
function roleSelect(attrs, value, short = false) {
  return /** @type {HTMLSelectElement} */ (h('select', attrs,
    ROLES.map(([r, label]) => h('option', { value: r, selected: r === value ? true : null }, short ? r : label))));
}

/**
 * usersPage draws the Users page in root.
 * @param {HTMLElement} root
 */
export async function usersPage(root) {
  setTitle('Users');
  const page = h('div', { class: 'page narrow users-page' });
  root.append(page);
  page.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Users')),
    h('p', { class: 'help' },
      'People who log in with their email and password. Their role says what they may do. ',
      'The admin token keeps working as the server\'s owner.'));
  /** @type {{id: string, email: string, role: string, created_at: string}[]} */
  let { users } = await get('/users');

  const email = /** @type {HTMLInputElement} */ (h('input', { id: 'user-email', type: 'email', autocomplete: 'off', placeholder: 'ann@example.com' }));
  const password = /** @type {HTMLInputElement} */ (h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password' }));
  const role = roleSelect({ id: 'user-role' }, 'viewer');
  const err = h('p', { class: 'error-text', role: 'alert', id: 'user-add-error' });
  const listBox = h('section', { class: 'card flush', 'aria-labelledby': 'users-list-h' });
  page.append(h('section', { class: 'card', 'aria-labelledby': 'user-add-h' }, h('form', {
    class: 'card-body',
    onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        await post('/users', { email: email.value.trim(), password: password.value, role: role.value });
        toast(`User ${email.value.trim()} added`);
        email.value = '';
        password.value = '';
        await reload();
      } catch (x) { err.textContent = x.message; }
    },
  },
  h('h2', { id: 'user-add-h' }, 'Add a user'),
  h('div', { class: 'grid2' },
    h('div', { class: 'field' }, h('label', { for: 'user-email' }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: 'user-password' }, 'Password'), password)),
  h('div', { class: 'field' }, h('label', { for: 'user-role' }, 'Role'), role),
  h('p', { class: 'help' }, 'At least 10 characters. Tell the user their password; they can get a new one from an admin or with ', h('code', null, 'hookflow user passwd'), '.'),
  err,
  h('button', { type: 'submit', class: 'btn primary', id: 'user-add' }, 'Add user'))), listBox);

  const reload = async () => { ({ users } = await get('/users')); draw(); };
  const draw = () => {
    clear(listBox).append(h('h2', { id: 'users-list-h', class: 'card-title' }, 'Users', h('span', { class: 'count' }, String(users.length))));
    if (users.length === 0) {
      listBox.append(h('p', { class: 'empty-note muted', id: 'users-empty' }, 'No users yet: only the admin token logs in.'));
      return;
    }
    const tbody = h('tbody');
    listBox.append(h('table', { class: 'table users-table' },
      h('caption', { class: 'sr-only' }, 'Users, by email'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Added'),
        h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
      tbody));
    for (const u of users) {
      const sel = roleSelect({
        'aria-label': `Role of ${u.email}`,
        onchange: async () => {
          try {
            await put(`/users/${encodeURIComponent(u.id)}`, { role: sel.value });
            toast(`${u.email} is now ${sel.value}`);
            await reload();
          } catch (x) { toast(x.message, 'error'); sel.value = u.role; }
        },
      }, u.role, true);
      tbody.append(h('tr', { dataset: { user: u.email } },
        h('td', { class: 'mono' }, u.email, u.email === me.email ? h('span', { class: 'muted' }, ' (you)') : null),
        h('td', null, sel),
        h('td', null, timeEl(u.created_at)),
        h('td', { class: 'col-actions' }, h('button', {
          type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Remove ${u.email}`,
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Remove ${u.email}?`,
              message: 'They are logged out, and their API tokens stop working.',
              confirm: 'Remove user',
              danger: true,
            });
            if (!ok) return;
            try {
              await del(`/users/${encodeURIComponent(u.id)}`);
              toast(`${u.email} removed`);
              await reload();
            } catch (x) { toast(x.message, 'error'); }
          },
        }, 'Remove'))));
    }
  };
  draw();
}
