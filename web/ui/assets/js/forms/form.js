// @ts-check
// A form drawn from a list of field descriptions: each field with the
// widget of its kind of value, short ones side by side. The form edits the
// object it is given in place; a field left empty is left out of it.

import { h } from '../dom.js';
import { widgetFor } from './registry.js';

/**
 * @typedef {import('./registry.js').Field} Field
 * @typedef {import('./registry.js').FormHost} FormHost
 * @typedef {import('./registry.js').WidgetContext} WidgetContext
 */

/**
 * joinPath is the path of a field under base: steps[1] and url give
 * steps[1].url.
 * @param {string} base
 * @param {string} name
 */
export function joinPath(base, name) {
  return base ? `${base}.${name}` : name;
}

/**
 * hostWith is host with changed replaced: an object widget learns of its
 * fields' edits first.
 * @param {FormHost} host
 * @param {FormHost['changed']} changed
 * @returns {FormHost}
 */
export function hostWith(host, changed) {
  return {
    kinds: host.kinds,
    changed,
    addPreview: (f) => host.addPreview(f),
    setLocalError: (el, message) => host.setLocalError(el, message),
    secretNames: () => host.secretNames(),
    envFor: host.envFor ? (i) => /** @type {NonNullable<FormHost['envFor']>} */ (host.envFor)(i) : undefined,
  };
}

/**
 * fieldContext is the context a widget edits obj[field.name] through.
 * @param {Field} field
 * @param {Record<string, any>} obj the object holding the field
 * @param {string} path the field's path
 * @param {FormHost} host
 * @param {number} stepIndex
 * @returns {WidgetContext}
 */
export function fieldContext(field, obj, path, host, stepIndex) {
  return {
    field,
    path,
    host,
    stepIndex,
    owner: obj,
    get: () => obj[field.name],
    set: (v, el) => {
      if (v === undefined) delete obj[field.name];
      else obj[field.name] = v;
      host.changed(path, el);
    },
  };
}

/**
 * renderField draws one field of obj.
 * @param {Field} field
 * @param {Record<string, any>} obj
 * @param {string} base the path of obj
 * @param {FormHost} host
 * @param {number} stepIndex
 */
export function renderField(field, obj, base, host, stepIndex) {
  return widgetFor(field.kind).render(fieldContext(field, obj, joinPath(base, field.name), host, stepIndex));
}

/**
 * renderFields draws the fields of obj, in order. Consecutive short fields
 * share a row.
 * @param {Field[]} fields
 * @param {Record<string, any>} obj
 * @param {string} base the path of obj: steps[1], trigger, trigger.auth
 * @param {FormHost} host
 * @param {number} stepIndex the step whose environment previews use (-1: the trigger's)
 */
export function renderFields(fields, obj, base, host, stepIndex) {
  const form = h('div', { class: 'form-fields' });
  /** @type {HTMLElement | null} */
  let row = null;
  for (const f of fields) {
    const el = renderField(f, obj, base, host, stepIndex);
    if (widgetFor(f.kind).wide) {
      form.append(el);
      row = null;
    } else {
      if (!row) {
        row = h('div', { class: 'grid3' });
        form.append(row);
      }
      row.append(el);
    }
  }
  return form;
}
