// @ts-check
// A trigger's auth: which of the server's auth kinds, then that kind's
// fields. Left out, the auth is the kind that has no fields (anyone with
// the URL), unless the field names a default.

import { h, clear } from '../../dom.js';
import { kindOf } from '../../kinds.js';
import { registerWidget } from '../registry.js';
import { renderFields, joinPath } from '../form.js';
import { fieldBox } from '../field.js';

/**
 * @typedef {import('../registry.js').WidgetContext} WidgetContext
 * @typedef {import('../../kinds.js').Kind} Kind
 */

/**
 * openKind is the auth kind a left-out auth stands for.
 * @param {WidgetContext} ctx
 * @param {Kind[]} kinds
 */
function openKind(ctx, kinds) {
  const d = ctx.field.default;
  const named = typeof d === 'string' ? kindOf(kinds, d) : typeof d === 'object' && d ? kindOf(kinds, d.type) : undefined;
  return named || kinds.find((k) => !k.fields.length);
}

registerWidget('auth', {
  wide: true,
  render: (ctx) => {
    const kinds = ctx.host.kinds.auth;
    const open = openKind(ctx, kinds);
    const current = () => {
      const v = ctx.get();
      return v && typeof v === 'object' ? v.type : open && open.type;
    };
    const sel = h('select', { 'data-field': joinPath(ctx.path, 'type') },
      kinds.map((k) => h('option', { value: k.type, selected: k.type === current() }, k.title)));
    if (!kindOf(kinds, current())) sel.append(h('option', { value: current() || '', selected: true }, current() || '—'));
    // The chosen kind's summary says more than the field's help.
    const summary = h('div', { class: 'help' });
    const field = { ...ctx.field, help: '' };
    const form = h('div', { class: 'auth-fields' });
    const draw = () => {
      const k = kindOf(kinds, current());
      summary.textContent = (k && k.summary) || ctx.field.help || '';
      clear(form);
      const v = ctx.get();
      if (k && k.fields.length && v && typeof v === 'object') form.append(renderFields(k.fields, v, ctx.path, ctx.host, ctx.stepIndex));
    };
    sel.addEventListener('change', () => {
      const k = kindOf(kinds, sel.value);
      if (!k) return;
      if (open && k.type === open.type) {
        ctx.set(undefined, sel);
      } else {
        // The fields the new kind also has are kept (a secret, a header).
        const old = ctx.get() || {};
        /** @type {Record<string, any>} */
        const next = { type: k.type };
        for (const f of k.fields) if (old[f.name] !== undefined) next[f.name] = old[f.name];
        ctx.set(next, sel);
      }
      draw();
    });
    draw();
    return h('div', { class: 'auth' }, fieldBox({ ...ctx, field }, sel, { extra: [summary] }), form);
  },
});
