// @ts-check
// Lists. A list of a select's options is a set of checkboxes (methods);
// any other list is rows, each drawn by its item's widget, added and
// removed one by one. An empty list is left out.

import { h, clear, nextId, append } from '../../dom.js';
import { registerWidget, widgetFor } from '../registry.js';
import { groupLabel, helpOf } from '../field.js';

/**
 * @typedef {import('../registry.js').WidgetContext} WidgetContext
 * @typedef {import('../registry.js').Field} Field
 */

/**
 * checkboxes draws a list of options as one checkbox each. The value keeps
 * the options' order; a value the options do not have is kept.
 * @param {WidgetContext} ctx
 * @param {Field} item
 */
function checkboxes(ctx, item) {
  const options = item.options || [];
  const start = ctx.get();
  const chosen = new Set(Array.isArray(start) ? start : []);
  const fs = h('fieldset', { class: 'checks', 'data-field': ctx.path }, h('legend', null, groupLabel(ctx)));
  for (const o of options) {
    const cb = h('input', { type: 'checkbox', id: nextId('c'), checked: chosen.has(o.value), value: o.value });
    cb.addEventListener('change', () => {
      if (cb.checked) chosen.add(o.value); else chosen.delete(o.value);
      const known = options.map((x) => x.value);
      const v = [...known.filter((x) => chosen.has(x)), ...[...chosen].filter((x) => !known.includes(x))];
      ctx.set(v.length ? v : undefined, cb);
    });
    fs.append(h('label', { class: 'check', for: cb.id }, cb, o.label));
  }
  const help = helpOf(ctx);
  if (help) fs.append(help);
  return fs;
}

/**
 * rows draws a list as rows of its item's widget.
 * @param {WidgetContext} ctx
 * @param {Field} item
 */
function rows(ctx, item) {
  const start = ctx.get();
  /** @type {any[]} the rows, empty ones too */
  const arr = Array.isArray(start) ? [...start] : [];
  const box = h('fieldset', { class: 'list', 'data-field': ctx.path }, h('legend', null, groupLabel(ctx)));
  const list = h('div', { class: 'list-rows' });
  const noun = item.label || 'Item';
  /**
   * store keeps the rows that have a value: an empty row is left out.
   * @param {Element} [el]
   */
  const store = (el) => {
    const v = arr.filter((x) => x !== '' && x !== undefined);
    ctx.set(v.length ? v : undefined, el);
  };
  const draw = () => {
    clear(list);
    arr.forEach((_, k) => {
      /** @type {WidgetContext} */
      const rowCtx = {
        field: item, path: `${ctx.path}[${k}]`, host: ctx.host, stepIndex: ctx.stepIndex, bare: true, label: `${noun} ${k + 1}`,
        get: () => arr[k],
        // A row emptied stays on the page until it is removed.
        set: (v, el) => { arr[k] = v === undefined ? '' : v; store(el); },
      };
      /**
       * move swaps the row with its neighbour by (-1 earlier, +1 later).
       * @param {number} by
       */
      const move = (by) => {
        [arr[k], arr[k + by]] = [arr[k + by], arr[k]];
        store();
        draw();
        const btn = list.children[k + by]?.querySelector(`[aria-label^="Move ${noun.toLowerCase()} ${k + by + 1} ${by < 0 ? 'earlier' : 'later'}"]`);
        if (btn instanceof HTMLElement) btn.focus();
      };
      const row = h('div', { class: 'list-row' }, widgetFor(item.kind).render(rowCtx));
      // Rows whose order matters (objects: a paths step's paths) move.
      if (item.kind === 'object' && arr.length > 1) {
        row.append(h('span', { class: 'row-moves' },
          k > 0 ? h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move ${noun.toLowerCase()} ${k + 1} earlier`, onclick: () => move(-1) }, '◀') : null,
          k < arr.length - 1 ? h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move ${noun.toLowerCase()} ${k + 1} later`, onclick: () => move(1) }, '▶') : null));
      }
      list.append(row);
      row.append(
        h('button', {
          type: 'button', class: 'btn icon ghost', 'aria-label': `Remove ${noun.toLowerCase()} ${k + 1}`,
          onclick: () => { arr.splice(k, 1); store(); draw(); },
        }, '✕'));
    });
  };
  draw();
  append(box, [list,
    h('button', {
      type: 'button', class: 'btn small ghost',
      onclick: () => {
        arr.push('');
        draw();
        const last = list.lastElementChild?.querySelector('input, select, textarea');
        if (last instanceof HTMLElement) last.focus();
      },
    }, `+ ${noun}`),
    helpOf(ctx)]);
  return box;
}

registerWidget('list', {
  wide: true,
  render: (ctx) => {
    const item = ctx.field.item || { name: '', label: 'Item', kind: 'text' };
    return item.kind === 'select' && item.options ? checkboxes(ctx, item) : rows(ctx, item);
  },
});
