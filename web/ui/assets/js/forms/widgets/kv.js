// @ts-check
// Objects of templates drawn as rows of a name and a value (headers); a
// row without a name is left out. The field mapper (mapper.js) draws
// mappings.

import { h, clear, append } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { groupLabel, helpOf } from '../field.js';

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
