// @ts-check
// Objects with fields of their own (retry, sign, response, rate_limit): a
// section that opens, holding a form of its fields. The object is left out
// while none of its fields is set; when the first one is, its required
// fields that have a default get it.

import { h } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { renderFields, hostWith } from '../form.js';
import { groupLabel, helpOf } from '../field.js';

registerWidget('object', {
  wide: true,
  render: (ctx) => {
    const fields = ctx.field.fields || [];
    const start = ctx.get();
    /** @type {Record<string, any>} */
    const obj = start && typeof start === 'object' && !Array.isArray(start) ? start : {};
    // The object's fields report their edits here first.
    const host = hostWith(ctx.host, (path, el) => {
      if (!Object.keys(obj).length) {
        ctx.set(undefined, el);
        return;
      }
      for (const f of fields) if (f.required && obj[f.name] === undefined && f.default !== undefined) obj[f.name] = f.default;
      if (ctx.get() !== obj) ctx.set(obj, el);
      else ctx.host.changed(path, el);
    });
    return h('details', { class: 'object', 'data-field': ctx.path, open: start !== undefined },
      h('summary', null, groupLabel(ctx)),
      helpOf(ctx),
      renderFields(fields, obj, ctx.path, host, ctx.stepIndex));
  },
});
