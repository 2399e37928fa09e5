// @ts-check
// Any JSON value (a JSON Schema, vars): a text area, checked as it is typed.
// Also the widget of a kind of value this editor does not know, so such a
// value is kept as it is.

import { h } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, placeholder, labelText, groupLabel, helpOf } from '../field.js';

registerWidget('json', {
  wide: true,
  render: (ctx) => {
    const v = ctx.get();
    const ta = h('textarea', {
      class: 'code', rows: v === undefined ? 2 : 4, spellcheck: 'false', 'data-field': ctx.path, placeholder: placeholder(ctx),
      value: v === undefined ? '' : JSON.stringify(v, null, 2),
    });
    ta.addEventListener('input', () => {
      const text = ta.value.trim();
      if (!text) {
        ctx.host.setLocalError(ta, null);
        ctx.set(undefined, ta);
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        ctx.host.setLocalError(ta, `is not valid JSON: ${e.message}`);
        ctx.host.changed(ctx.path, ta);
        return;
      }
      ctx.host.setLocalError(ta, null);
      ctx.set(parsed, ta);
    });
    // Left out, it is rarely wanted: a section that opens, like an object's.
    if (v === undefined && !ctx.field.required && !ctx.bare) {
      ta.setAttribute('aria-label', labelText(ctx));
      return h('details', { class: 'object' }, h('summary', null, groupLabel(ctx)), helpOf(ctx), ta);
    }
    return fieldBox(ctx, ta);
  },
});
