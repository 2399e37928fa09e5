// @ts-check
// The Secrets page: the stored secrets by name (their values are never
// shown, not even to the admin), set a new one, replace a value, delete
// one after a confirmation. Workflows read them as {{ secrets.NAME }}.

import { get, put, del } from './api.js';
import { h, clear, timeEl, toast, confirmDialog } from './dom.js';
import { setTitle } from './nav.js';

/** The names the vault takes (secrets.ValidName). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * secretNameProblem says what is wrong with a secret's name, or ''.
 * @param {string} name
 */
export function secretNameProblem(name) {
  if (!name) return 'Give the secret a name.';
  return SECRET_NAME.test(name) ? '' : 'A name is a letter or _ then up to 63 letters, digits or _ (no spaces or dashes).';
}

/**
 * secretsPage draws the Secrets page in root.
 * @param {HTMLElement} root
 */
export async function secretsPage(root) {
  setTitle('Secrets');
  const page = h('div', { class: 'page narrow secrets-page' });
  root.append(page);
  const heading = h('h1', { tabindex: '-1' }, 'Secrets');
  page.append(h('div', { class: 'page-head' }, heading),
    h('p', { class: 'help' },
      'Tokens, passwords and signing keys your workflows use, stored encrypted. A field reads one as ',
      h('code', null, '{{ secrets.NAME }}'), '. Values are write-only: once set, a value can be replaced but never shown.'));

  const listBox = h('section', { class: 'card flush', 'aria-labelledby': 'secrets-list-h' });
  const addBox = h('section', { class: 'card', 'aria-labelledby': 'secret-add-h' });
  page.append(addBox, listBox);

  /** @type {{name: string, created_at: string, updated_at: string}[]} */
  let secrets;
  try {
    ({ secrets } = await get('/secrets'));
  } catch (e) {
    if (e.status === 503) {
      page.append(h('p', { class: 'banner error', role: 'alert' },
        'This server has no secrets vault: start it with a secrets key to store secrets (see the README).'));
      addBox.remove();
      listBox.remove();
      return;
    }
    throw e;
  }

  // ---- add ----------------------------------------------------------------
  const nameIn = /** @type {HTMLInputElement} */ (h('input', { id: 'secret-name', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'stripe_key' }));
  const valueIn = /** @type {HTMLInputElement} */ (h('input', { id: 'secret-value', type: 'password', autocomplete: 'new-password', spellcheck: 'false' }));
  const addErr = h('p', { class: 'error-text', role: 'alert', id: 'secret-add-error' });
  const addBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn primary', id: 'secret-add' }, 'Add secret'));
  addBox.append(h('form', {
    class: 'card-body secret-add',
    onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      const name = nameIn.value.trim();
      const problem = secretNameProblem(name) || (valueIn.value ? '' : 'Give the secret a value.');
      if (!problem && secrets.some((s) => s.name === name)) {
        addErr.textContent = `${name} is already set: use Replace in the list to change its value.`;
        return;
      }
      addErr.textContent = problem;
      if (problem) return;
      addBtn.disabled = true;
      try {
        await put(`/secrets/${encodeURIComponent(name)}`, { value: valueIn.value });
        nameIn.value = '';
        valueIn.value = '';
        toast(`Secret ${name} set`);
        await reload();
        nameIn.focus();
      } catch (x) {
        addErr.textContent = x.message;
      } finally { addBtn.disabled = false; }
    },
  },
  h('h2', { id: 'secret-add-h' }, 'Add a secret'),
  h('div', { class: 'grid2' },
    h('div', { class: 'field' }, h('label', { for: 'secret-name' }, 'Name'), nameIn),
    h('div', { class: 'field' }, h('label', { for: 'secret-value' }, 'Value'), valueIn)),
  addErr,
  addBtn));

  // ---- list ---------------------------------------------------------------
  const reload = async () => {
    ({ secrets } = await get('/secrets'));
    drawList();
  };

  const drawList = () => {
    clear(listBox).append(h('h2', { id: 'secrets-list-h', class: 'card-title' }, 'Stored secrets',
      h('span', { class: 'count' }, String(secrets.length))));
    if (secrets.length === 0) {
      listBox.append(h('p', { class: 'empty-note muted', id: 'secrets-empty' }, 'No secrets yet.'));
      return;
    }
    const tbody = h('tbody');
    listBox.append(h('table', { class: 'table secrets-table' },
      h('caption', { class: 'sr-only' }, 'Stored secrets, by name'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Use as'),
        h('th', { scope: 'col' }, 'Updated'),
        h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
      tbody));
    for (const s of secrets) tbody.append(...secretRows(s));
  };

  /**
   * secretRows is a secret's row, and the row that replaces its value
   * (hidden until Replace).
   * @param {{name: string, updated_at: string}} s
   */
  const secretRows = (s) => {
    const newValue = /** @type {HTMLInputElement} */ (h('input', {
      type: 'password', autocomplete: 'new-password', 'aria-label': `New value for ${s.name}`, class: 'grow',
    }));
    const err = h('span', { class: 'error-text', role: 'alert' });
    const replaceRow = h('tr', { class: 'secret-replace', hidden: true, dataset: { secret: s.name } },
      h('td', { colspan: '4' }, h('form', {
        class: 'inline-form',
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          if (!newValue.value) { err.textContent = 'Give the new value.'; return; }
          try {
            await put(`/secrets/${encodeURIComponent(s.name)}`, { value: newValue.value });
            toast(`Secret ${s.name} replaced`);
            await reload();
          } catch (x) { err.textContent = x.message; }
        },
      }, newValue,
      h('button', { type: 'submit', class: 'btn primary small' }, `Save new value`),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => { replaceRow.hidden = true; newValue.value = ''; } }, 'Cancel'),
      err)));
    const row = h('tr', { dataset: { secret: s.name } },
      h('td', { class: 'mono secret-name' }, s.name),
      h('td', null, h('code', null, `{{ secrets.${s.name} }}`)),
      h('td', null, timeEl(s.updated_at)),
      h('td', { class: 'col-actions' },
        h('button', {
          type: 'button', class: 'btn small ghost', 'aria-label': `Replace ${s.name}`,
          onclick: () => { replaceRow.hidden = false; newValue.focus(); },
        }, 'Replace'),
        h('button', {
          type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Delete ${s.name}`,
          onclick: async () => {
            const ok = await confirmDialog({
              title: `Delete the secret “${s.name}”?`,
              message: `Workflows that read secrets.${s.name} fail until it is set again. The value cannot be recovered.`,
              confirm: 'Delete secret',
              danger: true,
            });
            if (!ok) return;
            try {
              await del(`/secrets/${encodeURIComponent(s.name)}`);
              toast(`Secret ${s.name} deleted`);
              await reload();
            } catch (x) { toast(x.message, 'error'); }
          },
        }, 'Delete')));
    return [row, replaceRow];
  };

  drawList();
  heading.focus();
}
