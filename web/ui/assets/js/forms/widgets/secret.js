// @ts-check
// Secrets: usually {{ secrets.NAME }}, offered from the stored secrets'
// names; any template may be typed.

import { h, nextId } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox } from '../field.js';

registerWidget('secret', {
  render: (ctx) => {
    const v = ctx.get();
    const list = h('datalist', { id: nextId('secrets') });
    const input = h('input', {
      value: v == null ? '' : String(v), placeholder: ctx.field.placeholder || '{{ secrets.NAME }}', 'data-field': ctx.path,
      class: 'mono', autocomplete: 'off', spellcheck: 'false', list: list.id,
    });
    input.addEventListener('input', () => ctx.set(input.value === '' ? undefined : input.value, input));
    ctx.host.secretNames().then((names) => {
      for (const n of names) list.append(h('option', { value: `{{ secrets.${n} }}` }));
    }).catch(() => { /* no vault: the field takes typed values */ });
    return fieldBox(ctx, input, { extra: [list] });
  },
});
