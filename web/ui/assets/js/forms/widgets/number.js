// @ts-check
// Numbers.

import { h } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, placeholder } from '../field.js';

registerWidget('number', {
  render: (ctx) => {
    const v = ctx.get();
    const input = h('input', {
      type: 'number', step: 'any', value: v == null ? '' : String(v), placeholder: placeholder(ctx),
      'data-field': ctx.path, class: 'mono',
    });
    input.addEventListener('input', () => {
      const n = input.value === '' ? NaN : Number(input.value);
      ctx.set(Number.isFinite(n) ? n : undefined, input);
    });
    return fieldBox(ctx, input);
  },
});
