// @ts-check
// Yes or no: a checkbox. Its default is left out of the definition.

import { h, nextId } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { labelText, helpOf } from '../field.js';

registerWidget('boolean', {
  render: (ctx) => {
    const v = ctx.get();
    const dflt = ctx.field.default === true;
    const box = h('input', { type: 'checkbox', id: nextId('b'), checked: v === undefined ? dflt : !!v, 'data-field': ctx.path });
    box.addEventListener('change', () => ctx.set(box.checked === dflt ? undefined : box.checked, box));
    return h('div', { class: 'field' }, h('label', { class: 'check', for: box.id }, box, labelText(ctx)), helpOf(ctx));
  },
});
