// @ts-check
// The function reference: every function an expression or a {{ }} part
// may call (the formatters and expr's builtins, as GET /api/v1/kinds
// describes them), searchable, each with its signature, what it does and
// an example; Insert puts a call into the field it was opened from.

import { h, clear, modal } from '../dom.js';

/**
 * @typedef {Object} FunctionDoc a function as GET /api/v1/kinds describes it
 * @property {string} name
 * @property {string} signature
 * @property {string} help
 * @property {string} example
 * @property {string} result
 * @typedef {import('../kinds.js').Kinds} Kinds
 */

/**
 * functionDocs are the functions the server describes: formatters first.
 * @param {Kinds} kinds
 * @returns {FunctionDoc[]}
 */
export function functionDocs(kinds) {
  /** @type {any} */
  const c = kinds.common || {};
  return [...(c.formatters || []), ...(c.functions || [])];
}

/**
 * insertCall puts name( at the caret of el (a template field gets a {{ }}
 * part when the caret is outside one), and says so to el's listeners.
 * @param {HTMLInputElement | HTMLTextAreaElement} el
 * @param {string} name
 */
export function insertCall(el, name) {
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? start;
  const before = el.value.slice(0, start);
  const inPart = before.lastIndexOf('{{') > before.lastIndexOf('}}');
  const text = el.dataset.kind === 'template' && !inPart ? `{{ ${name}() }}` : `${name}()`;
  el.value = before + text + el.value.slice(end);
  const caret = start + text.indexOf('(') + 1;
  el.focus();
  el.setSelectionRange(caret, caret);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

/**
 * functionsButton is the button that opens the function reference for
 * field el.
 * @param {Kinds} kinds
 * @param {HTMLInputElement | HTMLTextAreaElement} el
 * @param {string} fieldName what the field is called, for the button's name
 */
export function functionsButton(kinds, el, fieldName) {
  const btn = h('button', {
    type: 'button', class: 'btn small ghost fn-ref-btn', 'aria-haspopup': 'dialog',
    'aria-label': `Functions for ${fieldName}`, title: 'Functions you can use here',
    onclick: () => openReference(kinds, el),
  }, 'ƒ Functions');
  return btn;
}

/**
 * openReference shows the searchable list of functions; Insert puts one
 * into el.
 * @param {Kinds} kinds
 * @param {HTMLInputElement | HTMLTextAreaElement} el
 */
export async function openReference(kinds, el) {
  const docs = functionDocs(kinds);
  const list = h('ul', { class: 'fn-list', 'aria-label': 'Functions' });
  const count = h('p', { class: 'help', role: 'status' });
  const search = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', id: 'fn-search', class: 'fn-search', 'aria-label': 'Search functions', placeholder: 'Search: date, money, list…',
    autocomplete: 'off', oninput: () => draw(),
  }));
  /** @type {string | null} */
  let chosen = null;
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = docs.filter((d) => !q || `${d.name} ${d.signature} ${d.help}`.toLowerCase().includes(q));
    clear(list).append(...shown.map((d) => h('li', { class: 'fn-item', dataset: { fn: d.name } },
      h('div', { class: 'fn-top' },
        h('code', { class: 'fn-sig' }, d.signature),
        h('button', {
          type: 'button', class: 'btn small', 'aria-label': `Insert ${d.name}`,
          onclick: () => { chosen = d.name; /** @type {HTMLDialogElement | null} */ (list.closest('dialog'))?.close(); },
        }, 'Insert')),
      h('div', { class: 'fn-help' }, d.help),
      h('div', { class: 'fn-example' }, h('code', null, d.example), h('span', { 'aria-hidden': 'true' }, ' → '),
        h('span', { class: 'sr-only' }, ' gives '), h('code', null, d.result)))));
    count.textContent = `${shown.length} function${shown.length === 1 ? '' : 's'}`;
  };
  draw();
  await modal({
    title: 'Functions',
    content: h('div', { class: 'fn-ref' }, search, count, list),
    buttons: [{ label: 'Close', value: 'close', id: 'fn-close' }],
    wide: true,
    onOpen: () => search.focus(),
  });
  if (chosen) insertCall(el, chosen);
  else el.focus();
}
