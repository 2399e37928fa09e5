// @ts-check
// Errors shown at the field they are about: the control of a field path
// (data-field="steps[1].url", or its nearest parent that is on the page)
// is marked invalid, given the message, opened and focused.

import { h, nextId } from '../dom.js';

/**
 * @typedef {Object} PlacedError what a field error says: the API's error, or a local one
 * @property {string} [message]
 * @property {number} [line] 1-based line of an expression error
 * @property {number} [column] 1-based column of an expression error
 */

/**
 * errorAt shows an expression error with its position and a caret under it.
 * @param {PlacedError} e
 * @param {string} src the expression the error is about
 */
export function errorAt(e, src) {
  const frag = h('div', { class: 'err-at' });
  const where = e.line ? `Line ${e.line}, column ${e.column}: ` : '';
  frag.append(h('span', { class: 'err-msg' }, where + (e.message || 'error')));
  if (e.line && src) {
    const line = src.split('\n')[e.line - 1];
    if (line != null) {
      frag.append(h('pre', { class: 'caret', 'aria-hidden': 'true' }, `${line}\n${' '.repeat(Math.max(0, (e.column || 1) - 1))}^`));
    }
  }
  return frag;
}

/**
 * cleanMessage drops the step and field a message starts with: the place
 * is shown by where the message appears.
 * @param {string} [m]
 */
export function cleanMessage(m) {
  return (m || '').replace(/^step "[^"]*": [^:]+: /, '').replace(/^[\w.[\]-]+: /, '');
}

/**
 * clearFieldError takes the error mark and message off a control.
 * @param {Element | null | undefined} el
 */
export function clearFieldError(el) {
  if (!(el instanceof HTMLElement) || el.getAttribute('aria-invalid') !== 'true') return;
  el.removeAttribute('aria-invalid');
  const errId = el.dataset.errorId;
  if (errId) document.getElementById(errId)?.remove();
  delete el.dataset.errorId;
}

/**
 * clearAllErrors takes every field error off the page.
 * @param {ParentNode} root
 */
export function clearAllErrors(root) {
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) clearFieldError(el);
  for (const el of root.querySelectorAll('.field-error')) el.remove();
  for (const el of root.querySelectorAll('.has-error')) el.classList.remove('has-error');
}

/**
 * fieldElement finds the control of a field path, or of its nearest parent.
 * @param {ParentNode} root
 * @param {string} field
 * @returns {HTMLElement | null}
 */
export function fieldElement(root, field) {
  let path = field;
  while (path) {
    const el = root.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (el instanceof HTMLElement) return el;
    const up = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (up === path) break;
    path = up;
  }
  return null;
}

/**
 * showFieldError marks the control of a field path (or its nearest parent)
 * with e and focuses it; with focusOnly, it only brings it into view.
 * @param {ParentNode} root
 * @param {string} field
 * @param {PlacedError | null} e
 * @param {boolean} [focusOnly]
 */
export function showFieldError(root, field, e, focusOnly = false) {
  const el = fieldElement(root, field);
  if (!el) return;
  // Open any collapsed section that holds it.
  for (let p = el.parentElement; p; p = p.parentElement) if (p instanceof HTMLDetailsElement) p.open = true;
  if (el instanceof HTMLDetailsElement) el.open = true;
  if (!focusOnly && e) {
    const id = nextId('err');
    const msg = h('div', { class: 'field-error', id, role: 'alert' });
    const src = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : '';
    if (e.line && src && (el.dataset.kind === 'expr' || el instanceof HTMLTextAreaElement)) msg.append(errorAt(e, src));
    else msg.append(h('span', { class: 'err-msg' }, cleanMessage(e.message)));
    if (el.matches('input, textarea, select')) {
      el.setAttribute('aria-invalid', 'true');
      el.dataset.errorId = id;
      el.setAttribute('aria-describedby', `${id} ${el.getAttribute('aria-describedby') || ''}`.trim());
      el.insertAdjacentElement('afterend', msg);
    } else {
      el.classList.add('has-error');
      el.prepend(msg);
    }
  }
  el.scrollIntoView({ block: 'center', behavior: 'instant' });
  const focusable = el.matches('input, textarea, select, button') ? el : el.querySelector('input, textarea, select, button');
  if (focusable instanceof HTMLElement) focusable.focus({ preventScroll: true });
}
