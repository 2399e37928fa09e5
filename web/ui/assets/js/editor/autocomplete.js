// @ts-check
// Autocomplete in expression and {{ }} template fields: as a name is
// typed, a list offers the paths of the sample payload (as it arrives at
// the step), steps.ID of the earlier steps (with their tested outputs'
// paths), vars, secrets' names and the functions with their signatures.
// It follows the ARIA combobox pattern: the field is the combobox, the
// list a listbox; Down and Up move, Enter or Tab take, Escape closes,
// Ctrl+Space opens it.

import { h, clear, nextId } from '../dom.js';
import { functionDocs } from '../forms/function-ref.js';

/**
 * @typedef {import('../editor.js').Editor} Editor
 * @typedef {import('./previews.js').PreviewField} PreviewField
 * @typedef {Object} Completion one offer
 * @property {string} text what is inserted (a function's name gets "(")
 * @property {string} label what the list shows
 * @property {string} detail beside it: a sample value, a signature
 * @property {'field' | 'step' | 'var' | 'secret' | 'function'} kind
 */

/** How many offers the list shows at once. */
const SHOWN = 12;

/**
 * pathsOf lists the paths inside a value, with a short view of each value:
 * object fields by name, the first item of a list as [0], a few levels deep.
 * @param {string} root
 * @param {any} v
 * @param {number} depth
 * @param {[string, any][]} [out]
 * @returns {[string, any][]}
 */
export function pathsOf(root, v, depth = 4, out = []) {
  if (out.length > 400 || depth < 0) return out;
  if (Array.isArray(v)) {
    if (v.length) {
      out.push([`${root}[0]`, v[0]]);
      pathsOf(`${root}[0]`, v[0], depth - 1, out);
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${root}.${k}` : `${root}[${JSON.stringify(k)}]`;
      out.push([p, x]);
      pathsOf(p, x, depth - 1, out);
    }
  }
  return out;
}

/**
 * short is a value as the list shows it beside a path.
 * @param {any} v
 */
function short(v) {
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v && typeof v === 'object') return 'object';
  const s = JSON.stringify(v) ?? 'null';
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/**
 * tokenAt is the name being typed before the caret of el (payload.cu),
 * with where it starts; null where the caret is not in a name, or, in a
 * template, not inside a {{ }} part.
 * @param {HTMLInputElement | HTMLTextAreaElement} el
 * @returns {{start: number, text: string} | null}
 */
export function tokenAt(el) {
  const caret = el.selectionStart ?? el.value.length;
  const before = el.value.slice(0, caret);
  if (el.dataset.kind === 'template' && before.lastIndexOf('{{') <= before.lastIndexOf('}}')) return null;
  const m = /[A-Za-z_$][\w$]*(?:(?:\.[A-Za-z_$][\w$]*|\[\d+\])*\.?)?$/.exec(before);
  if (!m) return { start: caret, text: '' };
  // Not a name after a dot of something else (a method), nor inside a quoted string.
  const quotes = (before.slice(0, m.index).match(/'/g) || []).length + (before.slice(0, m.index).match(/"/g) || []).length;
  if (quotes % 2 === 1) return null;
  return { start: m.index, text: m[0] };
}

/**
 * attachAutocomplete makes the field of f a combobox offering names.
 * @param {Editor} ed
 * @param {PreviewField} f
 */
export function attachAutocomplete(ed, f) {
  const el = f.el;
  const listId = nextId('ac');
  const list = h('ul', { class: 'ac-list', role: 'listbox', id: listId, hidden: true, 'aria-label': 'Suggestions' });
  el.setAttribute('role', 'combobox');
  el.setAttribute('aria-autocomplete', 'list');
  el.setAttribute('aria-expanded', 'false');
  el.setAttribute('aria-controls', listId);
  /** @type {Completion[]} */
  let shown = [];
  let active = -1;
  let seq = 0;
  /** @type {{start: number, text: string} | null} */
  let token = null;

  const place = () => {
    if (!list.isConnected) el.after(list);
    // Just under the field, over what follows it (the field's box is its offsetParent).
    list.style.top = `${el.offsetTop + el.offsetHeight + 2}px`;
  };
  const close = () => {
    list.hidden = true;
    shown = [];
    active = -1;
    el.setAttribute('aria-expanded', 'false');
    el.removeAttribute('aria-activedescendant');
  };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    if (active >= 0) {
      const li = /** @type {HTMLElement} */ (list.children[active]);
      el.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    } else {
      el.removeAttribute('aria-activedescendant');
    }
  };
  /** @param {Completion} c */
  const take = (c) => {
    if (!token) return;
    const end = el.selectionStart ?? el.value.length;
    el.value = el.value.slice(0, token.start) + c.text + el.value.slice(end);
    const caret = token.start + c.text.length;
    el.setSelectionRange(caret, caret);
    close();
    el.dispatchEvent(new Event('input', { bubbles: true }));
  };
  /** @param {boolean} force open even with nothing typed */
  const update = async (force) => {
    const my = ++seq;
    token = tokenAt(el);
    if (!token || (!token.text && !force)) { close(); return; }
    const all = await completions(ed, f.stepIndex < 0 ? 0 : f.stepIndex);
    if (my !== seq) return;
    const q = token.text.toLowerCase();
    shown = all.filter((c) => c.text.toLowerCase().startsWith(q) && c.text !== token?.text).slice(0, SHOWN);
    if (!shown.length) { close(); return; }
    place();
    clear(list).append(...shown.map((c, i) => h('li', {
      role: 'option', id: `${listId}-${i}`, class: `ac-item ac-${c.kind}`, 'aria-selected': 'false',
      onmousedown: (/** @type {MouseEvent} */ e) => { e.preventDefault(); take(c); },
    }, h('span', { class: 'ac-label' }, c.label), h('span', { class: 'ac-detail' }, c.detail))));
    active = 0;
    list.hidden = false;
    el.setAttribute('aria-expanded', 'true');
    mark();
  };

  el.addEventListener('input', (e) => {
    if (/** @type {InputEvent} */ (e).isTrusted === false && list.hidden) return;
    update(false);
  });
  el.addEventListener('keydown', (e) => {
    const ke = /** @type {KeyboardEvent} */ (e);
    if (ke.ctrlKey && (ke.key === ' ' || ke.code === 'Space')) { ke.preventDefault(); update(true); return; }
    if (list.hidden) return;
    switch (ke.key) {
      case 'ArrowDown': ke.preventDefault(); active = (active + 1) % shown.length; mark(); break;
      case 'ArrowUp': ke.preventDefault(); active = (active - 1 + shown.length) % shown.length; mark(); break;
      case 'Enter': case 'Tab':
        if (active >= 0 && shown[active]) { ke.preventDefault(); take(shown[active]); }
        break;
      case 'Escape': ke.preventDefault(); ke.stopPropagation(); close(); break;
      default:
    }
  });
  el.addEventListener('blur', () => close());
}

/**
 * completions are the offers for a field of step i: the data as it
 * arrives there, the earlier steps, vars, secrets and functions.
 * @param {Editor} ed
 * @param {number} i
 * @returns {Promise<Completion[]>}
 */
async function completions(ed, i) {
  const env = await ed.stepEnvs.envAt(i);
  /** @type {Completion[]} */
  const out = [{ text: 'payload', label: 'payload', detail: short(env.payload), kind: 'field' }];
  for (const [p, v] of pathsOf('payload', env.payload)) out.push({ text: p, label: p, detail: short(v), kind: 'field' });
  const earlier = (ed.draft.steps || []).slice(0, i);
  for (const s of earlier) {
    if (!s || !s.id) continue;
    const tested = Object.prototype.hasOwnProperty.call(env.steps, s.id);
    out.push({ text: `steps.${s.id}`, label: `steps.${s.id}`, detail: tested ? short(env.steps[s.id]) : `${s.type} step`, kind: 'step' });
    if (tested) for (const [p, v] of pathsOf(`steps.${s.id}`, env.steps[s.id], 3)) out.push({ text: p, label: p, detail: short(v), kind: 'step' });
  }
  for (const [p, v] of pathsOf('vars', env.vars || {}, 2)) out.push({ text: p, label: p, detail: short(v), kind: 'var' });
  let secrets = /** @type {string[]} */ ([]);
  try { secrets = await ed.secretNames(); } catch { /* no secrets to offer */ }
  for (const n of secrets) out.push({ text: `secrets.${n}`, label: `secrets.${n}`, detail: 'secret', kind: 'secret' });
  for (const d of functionDocs(ed.kinds)) out.push({ text: `${d.name}(`, label: d.signature, detail: d.help, kind: 'function' });
  return out;
}
