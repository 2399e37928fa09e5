// @ts-check
// The Audit page (admins): who changed what, when and from where, newest
// first, filtered by actor, action and time, a page at a time.

import { get, qs } from './api.js';
import { h, clear, timeEl } from './dom.js';
import { setTitle } from './nav.js';

/**
 * auditPage draws the Audit page in root.
 * @param {HTMLElement} root
 */
export async function auditPage(root) {
  setTitle('Audit log');
  const page = h('div', { class: 'page audit-page' });
  root.append(page);
  const params = new URLSearchParams(location.search);
  const actor = /** @type {HTMLInputElement} */ (h('input', { id: 'audit-actor', value: params.get('actor') || '', placeholder: 'ann@example.com or admin token' }));
  const action = /** @type {HTMLInputElement} */ (h('input', { id: 'audit-action', value: params.get('action') || '', placeholder: 'workflow.update' }));
  const since = /** @type {HTMLInputElement} */ (h('input', { id: 'audit-since', type: 'datetime-local' }));
  const until = /** @type {HTMLInputElement} */ (h('input', { id: 'audit-until', type: 'datetime-local' }));
  const list = h('section', { class: 'card flush', 'aria-labelledby': 'audit-list-h' });
  const iso = (/** @type {HTMLInputElement} */ i) => (i.value ? new Date(i.value).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
  page.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Audit log')),
    h('p', { class: 'help' }, 'Every change made through the API or the editor, every login and failed login, and every change refused for a role.'),
    h('form', {
      class: 'card card-body audit-filters',
      onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); load(''); },
    },
    h('div', { class: 'grid2' },
      h('div', { class: 'field' }, h('label', { for: 'audit-actor' }, 'Who'), actor),
      h('div', { class: 'field' }, h('label', { for: 'audit-action' }, 'Action'), action),
      h('div', { class: 'field' }, h('label', { for: 'audit-since' }, 'Since'), since),
      h('div', { class: 'field' }, h('label', { for: 'audit-until' }, 'Until'), until)),
    h('button', { type: 'submit', class: 'btn primary', id: 'audit-filter' }, 'Filter')),
    list);

  /** @param {string} cursor */
  const load = async (cursor) => {
    const q = { actor: actor.value.trim(), action: action.value.trim(), since: iso(since), until: iso(until), cursor, limit: 100 };
    const { entries, next_cursor: next } = await get(`/audit${qs(q)}`);
    if (!cursor) {
      clear(list).append(h('h2', { id: 'audit-list-h', class: 'card-title' }, 'Entries'));
      if (entries.length === 0) {
        list.append(h('p', { class: 'empty-note muted', id: 'audit-empty' }, 'Nothing recorded matches.'));
        return;
      }
      list.append(h('table', { class: 'table audit-table' },
        h('caption', { class: 'sr-only' }, 'Audit log, newest first'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'Action'),
          h('th', { scope: 'col' }, 'Target'), h('th', { scope: 'col' }, 'Revision'), h('th', { scope: 'col' }, 'From'),
          h('th', { scope: 'col' }, 'Detail'))),
        h('tbody', { id: 'audit-rows' })));
    }
    const tbody = /** @type {HTMLElement} */ (list.querySelector('#audit-rows'));
    for (const e of entries) {
      tbody.append(h('tr', { dataset: { action: e.action } },
        h('td', null, timeEl(e.at)),
        h('td', null, e.actor, e.via ? h('span', { class: 'muted' }, ` (${e.via})`) : null),
        h('td', { class: 'mono' }, e.action),
        h('td', { class: 'mono' }, e.target || ''),
        h('td', null, e.revision_before || e.revision_after ? `${e.revision_before || '–'} → ${e.revision_after || '–'}` : ''),
        h('td', { class: 'mono' }, e.client),
        h('td', { class: 'mono small' }, e.detail ? JSON.stringify(e.detail) : '')));
    }
    const more = list.querySelector('#audit-more');
    if (more) more.remove();
    if (next) {
      list.append(h('button', { type: 'button', class: 'btn ghost', id: 'audit-more', onclick: () => load(next) }, 'Older entries'));
    }
  };
  await load('');
}
