// @ts-check
// What the widgets share: a field's label (with "optional" and the kind of
// value), its help, and the box holding them with the control.

import { h, nextId } from '../dom.js';

/** @typedef {import('./registry.js').WidgetContext} WidgetContext */

/**
 * labelText is what a field is called: its own label, or the one the
 * context gives (a row of a list).
 * @param {WidgetContext} ctx
 */
export function labelText(ctx) {
  return ctx.label || ctx.field.label || ctx.field.name;
}

/**
 * placeholder is a field's placeholder, or its default as one.
 * @param {WidgetContext} ctx
 */
export function placeholder(ctx) {
  const f = ctx.field;
  if (f.placeholder) return f.placeholder;
  return f.default !== undefined && f.default !== null ? String(f.default) : '';
}

/**
 * fieldBox is a field's label, control, extras (a preview) and help. The
 * control gets the id the label points at and is described by the help;
 * in a bare context the control alone comes back, named by aria-label.
 * @param {WidgetContext} ctx
 * @param {HTMLElement} control
 * @param {{chip?: string, extra?: HTMLElement[], className?: string}} [opts] chip: the kind of value shown
 *   beside the label (expression, template)
 */
export function fieldBox(ctx, control, { chip = '', extra = [], className = '' } = {}) {
  if (ctx.bare) {
    control.setAttribute('aria-label', labelText(ctx));
    return h('div', { class: `field bare ${className}` }, control, extra);
  }
  if (!control.id) control.id = nextId('f');
  const help = ctx.field.help ? h('div', { class: 'help', id: `${control.id}-help` }, ctx.field.help) : null;
  if (help) {
    const by = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', by ? `${by} ${help.id}` : help.id);
  }
  return h('div', { class: `field ${className}` },
    h('label', { for: control.id }, labelText(ctx),
      ctx.field.required ? null : h('span', { class: 'opt' }, ' optional'),
      chip ? h('span', { class: 'kind' }, chip) : null),
    control,
    extra,
    help);
}

/**
 * groupLabel is the label of a field drawn as a group (a fieldset's legend,
 * a section's summary): its label and "optional".
 * @param {WidgetContext} ctx
 */
export function groupLabel(ctx) {
  return [labelText(ctx), ctx.field.required ? null : h('span', { class: 'opt' }, ' optional')];
}

/**
 * helpOf is a field's help as a paragraph, or null.
 * @param {WidgetContext} ctx
 */
export function helpOf(ctx) {
  return ctx.field.help && !ctx.bare ? h('div', { class: 'help' }, ctx.field.help) : null;
}
