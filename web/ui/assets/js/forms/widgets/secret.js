// @ts-check
// Secrets: usually {{ secrets.NAME }}. A list offers the stored secrets'
// names and "New secret…", which sets one (name and value, the value
// write-only) without leaving the editor and picks it; any template may
// still be typed in the field itself.

import { put } from '../../api.js';
import { h, clear, nextId, toast } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, labelText } from '../field.js';
import { secretNameProblem } from '../../secrets.js';

const NEW = '+new'; // not a name a secret can have

/** @type {Set<string>} secrets made from a field on this page, which the host's list (asked once) lacks */
const made = new Set();

/** The event a field sends when it makes a secret, so the other fields offer it too. */
const MADE_EVENT = 'hookflow-secret-made';

/** @param {string} v */
const nameIn = (v) => {
  const m = v.match(/^\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/);
  return m ? m[1] : '';
};

registerWidget('secret', {
  render: (ctx) => {
    const v = ctx.get();
    const list = h('datalist', { id: nextId('secrets') });
    const input = /** @type {HTMLInputElement} */ (h('input', {
      value: v == null ? '' : String(v), placeholder: ctx.field.placeholder || '{{ secrets.NAME }}', 'data-field': ctx.path,
      class: 'mono', autocomplete: 'off', spellcheck: 'false', list: list.id,
    }));
    const label = labelText(ctx);
    const pick = /** @type {HTMLSelectElement} */ (h('select', { 'aria-label': `${label}: stored secret`, class: 'secret-pick' }));
    /** @type {string[]} */
    let names = [];

    const drawPick = () => {
      const cur = nameIn(input.value);
      const all = [...new Set([...names, ...made])].sort();
      clear(pick).append(
        h('option', { value: '' }, all.length ? 'Pick a stored secret…' : 'No stored secret yet'),
        ...all.map((n) => h('option', { value: n, selected: n === cur }, n)),
        ...(cur && !all.includes(cur) ? [h('option', { value: cur, selected: true }, `${cur} (not set)`)] : []),
        h('option', { value: NEW }, 'New secret…'));
      list.replaceChildren(...all.map((n) => h('option', { value: `{{ secrets.${n} }}` })));
    };

    // New secret: name and value, set in the vault, then picked.
    const newName = /** @type {HTMLInputElement} */ (h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'stripe_key', id: nextId('secret-new') }));
    const newValue = /** @type {HTMLInputElement} */ (h('input', { type: 'password', autocomplete: 'new-password', id: nextId('secret-val') }));
    const err = h('p', { class: 'error-text', role: 'alert' });
    const create = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn primary small' }, 'Create secret'));
    const maker = h('div', { class: 'secret-new', hidden: true, role: 'group', 'aria-label': `New secret for ${label}` },
      h('div', { class: 'grid2' },
        h('div', { class: 'field' }, h('label', { for: newName.id }, 'New secret name'), newName),
        h('div', { class: 'field' }, h('label', { for: newValue.id }, 'New secret value'), newValue)),
      err,
      h('div', { class: 'actions' }, create,
        h('button', { type: 'button', class: 'btn small ghost', onclick: () => { closeMaker(); pick.focus(); } }, 'Cancel')));
    const closeMaker = () => { maker.hidden = true; newName.value = ''; newValue.value = ''; err.textContent = ''; drawPick(); };

    /** @param {string} name */
    const choose = (name) => {
      input.value = `{{ secrets.${name} }}`;
      ctx.set(input.value, input);
      drawPick();
    };
    create.addEventListener('click', async () => {
      const name = newName.value.trim();
      const problem = secretNameProblem(name) || (newValue.value ? '' : 'Give the secret a value.');
      err.textContent = problem;
      if (problem) return;
      create.disabled = true;
      try {
        await put(`/secrets/${encodeURIComponent(name)}`, { value: newValue.value });
        made.add(name);
        document.dispatchEvent(new CustomEvent(MADE_EVENT, { detail: name }));
        closeMaker();
        choose(name);
        toast(`Secret ${name} set, and picked`);
        pick.focus();
      } catch (e) {
        err.textContent = e.status === 503 ? 'This server has no secrets vault.' : e.message;
      } finally { create.disabled = false; }
    });

    pick.addEventListener('change', () => {
      if (pick.value === NEW) {
        maker.hidden = false;
        newName.focus();
        return;
      }
      maker.hidden = true;
      if (pick.value) choose(pick.value);
    });
    input.addEventListener('input', () => {
      ctx.set(input.value === '' ? undefined : input.value, input);
      drawPick();
    });
    const onMade = () => {
      if (!input.isConnected) { document.removeEventListener(MADE_EVENT, onMade); return; }
      drawPick();
    };
    document.addEventListener(MADE_EVENT, onMade);
    drawPick();
    ctx.host.secretNames().then((n) => { names = n; drawPick(); })
      .catch(() => { /* no vault: the field takes typed values */ });
    return fieldBox(ctx, input, { extra: [list, h('div', { class: 'secret-pick-row' }, pick), maker], className: 'secret-field' });
  },
});
