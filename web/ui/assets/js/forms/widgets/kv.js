// @ts-check
// Objects of templates: headers (name to value) and mappings (field to
// value). Rows of a name and a value; a row without a name is left out. A
// mapping may be an expression instead (a string): it is drawn as one, and
// the two ways can be swapped.

import { h, clear, append, confirmDialog } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { groupLabel, helpOf } from '../field.js';
import { codeInput } from './code.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */

/**
 * kvRows draws an object of strings as rows.
 * @param {WidgetContext} ctx
 * @param {{noun: string, namePlaceholder: string}} words noun names a row: Header 2 name
 */
export function kvRows(ctx, { noun, namePlaceholder }) {
  const current = ctx.get();
  const rows = Object.entries(current && typeof current === 'object' ? current : {}).map(([name, value]) => ({ name, value: String(value) }));
  const wrap = h('div', { class: 'field kv', 'data-field': ctx.path });
  const list = h('div', { class: 'kv-rows' });
  /** @param {Element} [el] */
  const sync = (el) => {
    /** @type {Record<string, string>} */
    const o = {};
    for (const r of rows) if (r.name) o[r.name] = r.value;
    ctx.set(Object.keys(o).length ? o : undefined, el);
  };
  const draw = () => {
    clear(list);
    rows.forEach((r, k) => {
      const name = h('input', {
        class: 'mono', value: r.name, placeholder: namePlaceholder, 'aria-label': `${noun} ${k + 1} name`, spellcheck: 'false',
      });
      const val = h('input', {
        class: 'mono', value: r.value, placeholder: 'value or {{ expression }}', 'aria-label': `${noun} ${k + 1} value`,
        'data-field': `${ctx.path}.${r.name}`, 'data-insertable': '', 'data-kind': 'template', spellcheck: 'false',
      });
      name.addEventListener('input', () => { r.name = name.value; val.dataset.field = `${ctx.path}.${r.name}`; sync(name); });
      val.addEventListener('input', () => { r.value = val.value; sync(val); });
      list.append(h('div', { class: 'kv-row' }, name, val,
        h('button', {
          type: 'button', class: 'btn icon ghost', 'aria-label': `Remove ${noun.toLowerCase()} ${k + 1}`,
          onclick: () => { rows.splice(k, 1); sync(); draw(); },
        }, '✕')));
    });
  };
  draw();
  append(wrap, [h('div', { class: 'kv-label' }, groupLabel(ctx)), list,
    h('button', {
      type: 'button', class: 'btn small ghost',
      onclick: () => { rows.push({ name: '', value: '' }); draw(); list.lastElementChild?.querySelector('input')?.focus(); },
    }, `+ ${noun}`),
    helpOf(ctx)]);
  return wrap;
}

registerWidget('headers', { wide: true, render: (ctx) => kvRows(ctx, { noun: 'Header', namePlaceholder: 'Header-Name' }) });
/**
 * mapping draws a mapping as rows, or as an expression when it is one, with
 * a button to swap. Swapping empties the field, after asking if it had a
 * value.
 * @param {WidgetContext} ctx
 */
function mapping(ctx) {
  const box = h('div', { class: 'mapping' });
  /** @param {boolean} asExpr */
  const draw = (asExpr) => {
    const swap = h('button', {
      type: 'button', class: 'btn small ghost swap',
      onclick: async () => {
        const v = ctx.get();
        const empty = v === undefined || v === '' || (typeof v === 'object' && v && !Object.keys(v).length);
        if (!empty && !(await confirmDialog({
          title: asExpr ? 'Use fields instead?' : 'Use an expression instead?',
          message: 'What the field holds now is cleared.', confirm: 'Clear it',
        }))) return;
        if (!empty) ctx.set(undefined, swap);
        draw(!asExpr);
      },
    }, asExpr ? 'Use fields instead' : 'Use an expression instead');
    clear(box).append(asExpr ? codeInput(ctx, 'expr') : kvRows(ctx, { noun: 'Field', namePlaceholder: 'field' }), swap);
  };
  draw(typeof ctx.get() === 'string');
  return box;
}

registerWidget('mapping', { wide: true, render: mapping });
