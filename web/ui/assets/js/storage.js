// @ts-check
// The Storage page: the keys storage and dedupe steps keep between runs,
// by scope (the keys all workflows share, or one workflow's) and prefix;
// see a value, set one by hand, delete one after a confirmation.

import { get, put, del } from './api.js';
import { h, clear, timeEl, toast, confirmDialog } from './dom.js';
import { setTitle } from './nav.js';

/** @typedef {{key: string, value: any, expires_at: string|null, updated_at: string}} Entry */

/** How many keys a page of the list shows. */
const PAGE = 50;

/**
 * storagePage draws the Storage page in root.
 * @param {HTMLElement} root
 */
export async function storagePage(root) {
  setTitle('Storage');
  const page = h('div', { class: 'page narrow storage-page' });
  root.append(page);
  const heading = h('h1', { tabindex: '-1' }, 'Storage');
  page.append(h('div', { class: 'page-head' }, heading),
    h('p', { class: 'help' },
      'Values your workflows remember between runs: what "Remember a value" steps keep (counts, lists, last seen) and the keys "Stop repeats" steps have seen. ',
      'A workflow\'s own keys are under its name; keys with scope global under All workflows.'));

  const { workflows } = await get('/workflows');
  const scopeIn = /** @type {HTMLSelectElement} */ (h('select', { id: 'storage-scope' },
    h('option', { value: 'global' }, 'All workflows (global)'),
    ...workflows.map((/** @type {{id: string, name: string}} */ w) => h('option', { value: w.id }, `${w.name} (${w.id})`))));
  const prefixIn = /** @type {HTMLInputElement} */ (h('input', { id: 'storage-prefix', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'orders:' }));
  const listBox = h('section', { class: 'card flush', 'aria-labelledby': 'storage-list-h' });
  const addBox = h('section', { class: 'card', 'aria-labelledby': 'storage-add-h' });
  page.append(h('form', {
    class: 'card card-body storage-find',
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); reload(); },
  },
  h('div', { class: 'grid2' },
    h('div', { class: 'field' }, h('label', { for: 'storage-scope' }, 'Scope'), scopeIn),
    h('div', { class: 'field' }, h('label', { for: 'storage-prefix' }, 'Keys starting with'), prefixIn)),
  h('button', { type: 'submit', class: 'btn' }, 'Show keys')), listBox, addBox);
  scopeIn.addEventListener('change', () => reload());

  /** @type {Entry[]} */
  let entries = [];
  let next = '';
  const query = (/** @type {string} */ after) => {
    const q = new URLSearchParams({ scope: scopeIn.value, prefix: prefixIn.value, limit: String(PAGE) });
    if (after) q.set('after', after);
    return `/storage?${q}`;
  };
  const keyQuery = (/** @type {string} */ key) => `/storage?${new URLSearchParams({ scope: scopeIn.value, key })}`;

  const reload = async () => {
    ({ entries, next } = await get(query('')));
    drawList();
  };
  const more = async () => {
    const r = await get(query(next));
    entries = entries.concat(r.entries);
    next = r.next;
    drawList();
  };

  const drawList = () => {
    clear(listBox).append(h('h2', { id: 'storage-list-h', class: 'card-title' }, 'Keys',
      h('span', { class: 'count' }, String(entries.length) + (next ? '+' : ''))));
    if (entries.length === 0) {
      listBox.append(h('p', { class: 'empty-note muted', id: 'storage-empty' }, 'No keys here yet.'));
      return;
    }
    const tbody = h('tbody');
    listBox.append(h('table', { class: 'table storage-table' },
      h('caption', { class: 'sr-only' }, 'Stored keys and their values'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Key'),
        h('th', { scope: 'col' }, 'Value'),
        h('th', { scope: 'col' }, 'Forgotten'),
        h('th', { scope: 'col' }, 'Updated'),
        h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
      tbody));
    for (const e of entries) tbody.append(...entryRows(e));
    if (next) listBox.append(h('p', { class: 'card-body' }, h('button', { type: 'button', class: 'btn small', onclick: more }, 'Show more keys')));
  };

  /**
   * entryRows is a key's row, and the row that edits its value (hidden
   * until Edit).
   * @param {Entry} e
   */
  const entryRows = (e) => {
    const text = JSON.stringify(e.value, null, 2);
    const valueIn = /** @type {HTMLTextAreaElement} */ (h('textarea', {
      class: 'mono grow', rows: String(Math.min(8, text.split('\n').length + 1)), spellcheck: 'false', 'aria-label': `New value for ${e.key}`,
    }));
    const err = h('span', { class: 'error-text', role: 'alert' });
    const editRow = h('tr', { class: 'storage-edit', hidden: true, dataset: { key: e.key } },
      h('td', { colspan: '5' }, h('form', {
        class: 'inline-form',
        onsubmit: async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          let value;
          try { value = JSON.parse(valueIn.value); } catch { err.textContent = 'The value must be JSON: "text" in quotes, a number, true, a list [...] or an object {...}.'; return; }
          try {
            await put(keyQuery(e.key), { value });
            toast(`Key ${e.key} saved`);
            await reload();
          } catch (x) { err.textContent = x.message; }
        },
      }, valueIn,
      h('button', { type: 'submit', class: 'btn primary small' }, 'Save value'),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => { editRow.hidden = true; } }, 'Cancel'),
      err)));
    const shown = JSON.stringify(e.value);
    const row = h('tr', { dataset: { key: e.key } },
      h('td', { class: 'mono storage-key' }, e.key),
      h('td', null, h('code', { class: 'storage-value', title: shown }, shown.length > 120 ? `${shown.slice(0, 120)}…` : shown)),
      h('td', null, e.expires_at ? timeEl(e.expires_at) : h('span', { class: 'muted' }, 'never')),
      h('td', null, timeEl(e.updated_at)),
      h('td', { class: 'col-actions' },
        h('button', {
          type: 'button', class: 'btn small ghost', 'aria-label': `Edit ${e.key}`,
          onclick: () => { valueIn.value = text; err.textContent = ''; editRow.hidden = false; valueIn.focus(); },
        }, 'Edit'),
        h('button', {
          type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Delete ${e.key}`,
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Delete the key “${e.key}”?`,
              message: 'Steps that read it find nothing (a count starts again from 0; a repeat goes through).',
              confirm: 'Delete key',
              danger: true,
            });
            if (!ok) return;
            try {
              await del(keyQuery(e.key));
              toast(`Key ${e.key} deleted`);
              await reload();
            } catch (x) { toast(x.message, 'error'); }
          },
        }, 'Delete')));
    return [row, editRow];
  };

  // ---- add ----------------------------------------------------------------
  const keyIn = /** @type {HTMLInputElement} */ (h('input', { id: 'storage-key', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'orders:ada' }));
  const newValueIn = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'storage-value', class: 'mono', rows: '3', spellcheck: 'false', placeholder: '0' }));
  const addErr = h('p', { class: 'error-text', role: 'alert', id: 'storage-add-error' });
  addBox.append(h('form', {
    class: 'card-body storage-add',
    onsubmit: async (/** @type {Event} */ ev) => {
      ev.preventDefault();
      const key = keyIn.value;
      addErr.textContent = '';
      if (!key) { addErr.textContent = 'Give the key.'; return; }
      let value;
      try { value = JSON.parse(newValueIn.value); } catch { addErr.textContent = 'The value must be JSON: "text" in quotes, a number, true, a list [...] or an object {...}.'; return; }
      try {
        await put(keyQuery(key), { value });
        keyIn.value = '';
        newValueIn.value = '';
        toast(`Key ${key} set`);
        await reload();
      } catch (x) { addErr.textContent = x.message; }
    },
  },
  h('h2', { id: 'storage-add-h' }, 'Set a key'),
  h('div', { class: 'grid2' },
    h('div', { class: 'field' }, h('label', { for: 'storage-key' }, 'Key'), keyIn),
    h('div', { class: 'field' }, h('label', { for: 'storage-value' }, 'Value (JSON)'), newValueIn)),
  addErr,
  h('button', { type: 'submit', class: 'btn primary' }, 'Set key')));

  await reload();
  heading.focus();
}
