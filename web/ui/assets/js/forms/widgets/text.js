// @ts-check
// Plain text, and durations (text a Go duration must parse: 30s, 15m, 2h).

import { h } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, placeholder } from '../field.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */

// What Go's time.ParseDuration reads.
const DURATION = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/**
 * textInput is a one-line input of a string field. With check, a value
 * check refuses is marked and kept from a save, with the message shown.
 * @param {WidgetContext} ctx
 * @param {{mono?: boolean, check?: (v: string) => string}} [opts] check answers what is wrong, or ''
 */
export function textInput(ctx, { mono = false, check = undefined } = {}) {
  const v = ctx.get();
  const input = h('input', {
    value: v == null ? '' : String(v), placeholder: placeholder(ctx), 'data-field': ctx.path,
    class: mono ? 'mono' : '', autocomplete: 'off', spellcheck: 'false',
  });
  const hint = h('div', { class: 'error-text field-hint', 'aria-live': 'polite' });
  const verify = () => {
    const msg = check && input.value ? check(input.value) : '';
    hint.textContent = msg ? `${input.value} ${msg}` : '';
    ctx.host.setLocalError(input, msg || null);
  };
  input.addEventListener('input', () => {
    ctx.set(input.value === '' ? undefined : input.value, input);
    verify();
  });
  verify();
  return fieldBox(ctx, input, { extra: check ? [hint] : [] });
}

registerWidget('text', { render: (ctx) => textInput(ctx) });

registerWidget('duration', {
  render: (ctx) => textInput(ctx, {
    mono: true,
    check: (v) => (DURATION.test(v.trim()) ? '' : 'is not a duration such as 30s, 15m or 2h'),
  }),
});
