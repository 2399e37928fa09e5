// @ts-check
// One of a list of options. A field left out shows its default; choosing
// the default of a field that may be left out leaves it out again.

import { h } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox } from '../field.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */

/**
 * selectInput is a select of a field's options.
 * @param {WidgetContext} ctx
 */
export function selectInput(ctx) {
  const f = ctx.field;
  const v = ctx.get();
  const shown = v === undefined ? f.default : v;
  const options = (f.options || []).map((o) => h('option', { value: o.value, selected: o.value === shown },
    o.value === f.default ? `${o.label} (default)` : o.label));
  // A value the options do not have is kept, and shown as it is.
  if (shown !== undefined && !(f.options || []).some((o) => o.value === shown)) {
    options.push(h('option', { value: String(shown), selected: true }, String(shown)));
  }
  if (shown === undefined) options.unshift(h('option', { value: '', selected: true }, f.required ? 'Choose…' : '—'));
  const sel = h('select', { 'data-field': ctx.path }, options);
  sel.addEventListener('change', () => {
    const x = sel.value;
    ctx.set(x === '' || (x === f.default && !f.required) ? undefined : x, sel);
  });
  return fieldBox(ctx, sel);
}

registerWidget('select', { render: selectInput });
