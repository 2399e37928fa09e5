// @ts-check
// The editor's own inputs: an expression or template with its live
// preview, a JSON text area, header rows.

import { h, clear, nextId, labelled } from '../dom.js';

/** @typedef {import('../editor.js').Editor} Editor */

/**
 * @typedef {Object} ExprFieldOptions
 * @property {string} label
 * @property {string} path the field's path, e.g. steps[0].expr
 * @property {number} stepIndex the step whose environment it previews in (-1: the trigger's)
 * @property {() => string | undefined} get
 * @property {(v: string) => void} set
 * @property {string} [help]
 * @property {boolean} [optional]
 * @property {string} [placeholder]
 * @property {number} [rows]
 * @property {'expr' | 'template'} [kind]
 * @property {boolean} [single] one line (an input, not a text area)
 * @property {string} [className]
 * @property {string} [emptyHint] the preview while it is empty
 */

/**
 * exprField is a labelled expression (or {{ }} template) input with a live
 * preview of its value against the sample.
 * @param {Editor} ed
 * @param {ExprFieldOptions} o
 */
export function exprField(ed, {
  label, path, stepIndex, get: getV, set, help, optional, placeholder, rows = 1, kind = 'expr', single = false,
  className = '', emptyHint = '',
}) {
  const id = nextId('x');
  const previewId = `${id}-preview`;
  const attrs = {
    id, class: `code expr${single ? ' single' : ''}`, spellcheck: 'false', autocomplete: 'off', placeholder,
    'data-field': path, 'data-insertable': '', 'data-kind': kind, 'aria-describedby': previewId + (help ? ` ${id}-help` : ''),
    value: getV() || '',
  };
  const el = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (single ? h('input', attrs) : h('textarea', { ...attrs, rows }));
  const preview = h('div', { class: 'preview', id: previewId, 'aria-live': 'polite', 'data-preview-for': path });
  const fit = () => {
    if (single) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, 320)}px`;
  };
  el.addEventListener('input', () => {
    set(el.value);
    ed.changed(path, el);
    fit();
  });
  if (!single) requestAnimationFrame(fit);
  ed.previews.add({ el, preview, kind, stepIndex, emptyHint });
  return h('div', { class: `field exprfield ${className}` },
    h('label', { for: id }, label, optional ? h('span', { class: 'opt' }, ' optional') : null,
      h('span', { class: 'kind' }, kind === 'template' ? 'template' : 'expression')),
    el,
    preview,
    help ? h('div', { class: 'help', id: `${id}-help` }, help) : null);
}

/**
 * jsonField is a text area holding JSON; bad JSON is shown and kept from the draft.
 * @param {Editor} ed
 * @param {{label: string, path: string, value: any, rows: number, set: (v: any) => void, help?: string}} o
 */
export function jsonField(ed, { label, path, value, rows, set, help }) {
  const ta = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    class: 'code', rows, spellcheck: 'false', 'data-field': path,
    value: value === undefined ? '' : JSON.stringify(value, null, 2),
    oninput: () => {
      const text = ta.value.trim();
      if (!text) {
        ed.localErrors.delete(path);
        set(undefined);
      } else {
        try {
          set(JSON.parse(text));
          ed.localErrors.delete(path);
        } catch (e) {
          ed.localErrors.set(path, `is not valid JSON: ${e.message}`);
        }
      }
      ed.changed(path, ta);
    },
  }));
  return labelled(label, ta, { optional: true, help });
}

/**
 * headersField is name/value rows; the values are templates.
 * @param {Editor} ed
 * @param {string} path
 * @param {() => Record<string, string> | undefined} get
 * @param {(v: Record<string, string> | undefined) => void} set
 */
export function headersField(ed, path, get, set) {
  const rows = Object.entries(get() || {}).map(([name, value]) => ({ name, value }));
  const wrap = h('div', { class: 'field kv', 'data-field': path });
  const list = h('div', { class: 'kv-rows' });
  const sync = () => {
    /** @type {Record<string, string>} */
    const o = {};
    for (const r of rows) if (r.name) o[r.name] = r.value;
    set(Object.keys(o).length ? o : undefined);
    ed.markDirty();
  };
  const draw = () => {
    clear(list);
    rows.forEach((r, k) => {
      const name = /** @type {HTMLInputElement} */ (h('input', {
        class: 'mono', value: r.name, placeholder: 'Header-Name', 'aria-label': `Header ${k + 1} name`,
        oninput: () => { r.name = name.value; val.dataset.field = `${path}.${r.name}`; sync(); },
      }));
      const val = /** @type {HTMLInputElement} */ (h('input', {
        class: 'mono', value: r.value, placeholder: 'value or {{ expression }}', 'aria-label': `Header ${k + 1} value`,
        'data-field': `${path}.${r.name}`, 'data-insertable': '', 'data-kind': 'template',
        oninput: () => { r.value = val.value; sync(); ed.changed(val.dataset.field || path, val); },
      }));
      list.append(h('div', { class: 'kv-row' }, name, val,
        h('button', {
          type: 'button', class: 'btn icon ghost', 'aria-label': `Remove header ${k + 1}`,
          onclick: () => { rows.splice(k, 1); sync(); draw(); },
        }, '✕')));
    });
  };
  draw();
  wrap.append(h('div', { class: 'kv-label' }, 'Headers', h('span', { class: 'opt' }, ' optional')), list,
    h('button', {
      type: 'button', class: 'btn small ghost',
      onclick: () => { rows.push({ name: '', value: '' }); draw(); list.lastElementChild?.querySelector('input')?.focus(); },
    }, '+ Header'));
  return wrap;
}
