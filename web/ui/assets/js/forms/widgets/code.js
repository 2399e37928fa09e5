// @ts-check
// Expressions, conditions and {{ }} templates: code inputs whose value is
// previewed live against the sample.

import { h, nextId } from '../../dom.js';
import { registerWidget, widgetFor } from '../registry.js';
import { fieldBox, placeholder, labelText } from '../field.js';
import { functionsButton } from '../function-ref.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */

/**
 * codeInput is an expression (a text area that grows) or a template (one
 * line) with its preview under it.
 * @param {WidgetContext} ctx
 * @param {'expr' | 'template'} mode
 */
export function codeInput(ctx, mode) {
  const id = nextId('x');
  const previewId = `${id}-preview`;
  const v = ctx.get();
  const attrs = {
    id, class: `code expr${mode === 'template' ? ' single' : ''}`, spellcheck: 'false', autocomplete: 'off',
    placeholder: placeholder(ctx), 'data-field': ctx.path, 'data-insertable': '', 'data-kind': mode,
    'aria-describedby': previewId, value: v == null ? '' : String(v),
  };
  /** @type {HTMLInputElement | HTMLTextAreaElement} */
  const el = mode === 'template' ? h('input', attrs) : h('textarea', { ...attrs, rows: 1 });
  // Not a live region: a preview changes as one types; the field's
  // description (aria-describedby) reads it when asked.
  const preview = h('div', { class: 'preview', id: previewId, 'data-preview-for': ctx.path });
  const fit = () => {
    if (!(el instanceof HTMLTextAreaElement)) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, 320)}px`;
  };
  el.addEventListener('input', () => {
    ctx.set(el.value === '' ? undefined : el.value, el);
    fit();
  });
  if (el instanceof HTMLTextAreaElement) requestAnimationFrame(fit);
  ctx.host.addPreview({ el, preview, kind: mode, stepIndex: ctx.stepIndex });
  const tools = h('div', { class: 'code-tools' }, functionsButton(ctx.host.kinds, el, labelText(ctx)));
  return fieldBox(ctx, el, { chip: ctx.field.kind, extra: [tools, preview], className: 'exprfield' });
}

/**
 * code draws a field's value as code when it is a string, and as JSON when
 * it is not (a condition given as rules, before a widget of its own plugs
 * in), so that it is kept as it is.
 * @param {'expr' | 'template'} mode
 */
const code = (mode) => (/** @type {WidgetContext} */ ctx) => {
  const v = ctx.get();
  if (v === undefined || typeof v === 'string') return codeInput(ctx, mode);
  const box = widgetFor('json').render(ctx);
  const ta = box.querySelector('textarea');
  if (ctx.field.kind === 'condition' && ta) {
    // Rules: each rule's field checked against the data at the step.
    const preview = h('div', { class: 'preview', id: nextId('x-preview'), 'data-preview-for': ctx.path });
    box.append(preview);
    ta.setAttribute('aria-describedby', [preview.id, ta.getAttribute('aria-describedby')].filter(Boolean).join(' '));
    ctx.host.addPreview({ el: ta, preview, kind: 'rules', stepIndex: ctx.stepIndex });
  }
  return box;
};

registerWidget('expression', { wide: true, render: code('expr') });
registerWidget('condition', { wide: true, render: code('expr') });
registerWidget('template', { wide: true, render: code('template') });
