// @ts-check
// The condition builder: a condition as rows of field -> operator -> value,
// combined with "all" (AND) or "any" (OR), a group inside a group. Fields
// are picked from the data the step sees, with their values shown; the
// operators offered follow the field's kind of value; the value is typed
// plainly and written as JSON of the field's type. Each rule shows live
// whether it holds against the sample. "Advanced: expression" writes the
// condition as an expression instead; one given as an expression shows as
// one. The field is written only when edited, so an untouched condition
// is saved as it came.

import { post } from '../../api.js';
import { h, clear, nextId, debounce, confirmDialog } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { groupLabel, helpOf } from '../field.js';
import { codeInput } from './code.js';
import { dataFields, envOf, onDataChange, shortValue } from '../../editor/data-fields.js';

/**
 * @typedef {import('../registry.js').WidgetContext} WidgetContext
 * @typedef {import('../../editor/data-fields.js').DataField} DataField
 * @typedef {import('../../editor/data-fields.js').FieldType} FieldType
 * @typedef {{field: string, op: string, value?: any}} Rule
 * @typedef {{mode: 'all' | 'any', items: Item[]}} Group
 * @typedef {Rule | Group} Item
 */

// The operators offered for each kind of value, in the order offered.
/** @type {Record<FieldType, string[]>} */
const OPS = {
  text: ['eq', 'ne', 'contains', 'not_contains', 'starts_with', 'ends_with', 'matches', 'in', 'not_in', 'is_empty', 'not_empty', 'exists', 'not_exists'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'exists', 'not_exists'],
  date: ['before', 'after', 'eq', 'ne', 'exists', 'not_exists'],
  boolean: ['is_true', 'is_false', 'exists', 'not_exists'],
  list: ['contains', 'not_contains', 'is_empty', 'not_empty', 'exists', 'not_exists'],
  object: ['exists', 'not_exists', 'is_empty', 'not_empty'],
  empty: [],
};

const NUMBER = /^-?\d+(\.\d+)?$/;
// The choice that types a field's path instead (no path starts with a space).
const OTHER = ' other';

/** @param {Item} it @returns {it is Group} */
const isGroup = (it) => 'items' in it;

/**
 * toModel reads a match object as a group (a match that is one rule is a
 * group of one).
 * @param {any} m
 * @returns {Group}
 */
function toModel(m) {
  const g = toItem(m);
  return isGroup(g) ? g : { mode: 'all', items: [g] };
}

/**
 * @param {any} m
 * @returns {Item}
 */
function toItem(m) {
  if (m && Array.isArray(m.all)) return { mode: 'all', items: m.all.map(toItem) };
  if (m && Array.isArray(m.any)) return { mode: 'any', items: m.any.map(toItem) };
  /** @type {Rule} */
  const r = { field: (m && m.field) || '', op: (m && m.op) || '' };
  if (m && m.value !== undefined) r.value = m.value;
  return r;
}

/**
 * toMatch writes the model as a match object.
 * @param {Item} it
 * @returns {any}
 */
function toMatch(it) {
  if (isGroup(it)) return { [it.mode]: it.items.map(toMatch) };
  /** @type {Record<string, any>} */
  const o = { field: it.field, op: it.op };
  if (it.value !== undefined) o.value = it.value;
  return o;
}

/**
 * complete says whether every rule has a field and an operator.
 * @param {Item} it
 */
function complete(it) {
  return isGroup(it) ? it.items.length > 0 && it.items.every(complete) : !!it.field && !!it.op;
}

/**
 * valueText is a rule's value as typed: text as it is, a list as a, b, c.
 * @param {any} v
 */
function valueText(v) {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * typedValue is what a person typed as the JSON value of a rule on a field
 * of type t: a number for a number field (or a comparison), true or false
 * for a yes/no field, text otherwise; a list for "is one of".
 * @param {string} text
 * @param {FieldType | ''} t
 * @param {string} op
 */
function typedValue(text, t, op) {
  /** @param {string} s */
  const one = (s) => {
    const x = s.trim();
    if (x.includes('{{')) return s;
    if ((t === 'number' || (t === '' && ['gt', 'gte', 'lt', 'lte'].includes(op))) && NUMBER.test(x)) return Number(x);
    if (t === 'boolean' && (x === 'true' || x === 'false')) return x === 'true';
    return s;
  };
  if (op === 'in' || op === 'not_in') return text.split(',').map((s) => one(s.trim())).filter((s) => s !== '');
  return one(text);
}

/**
 * condition draws a condition field: the builder, or an expression.
 * @param {WidgetContext} ctx
 */
function condition(ctx) {
  const box = h('div', { class: 'field condition-field', 'data-field': ctx.path });
  const switchId = nextId('c');
  /** @param {boolean} asExpr */
  const draw = (asExpr) => {
    const sw = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', role: 'switch', class: 'switch', id: switchId, checked: asExpr }));
    sw.addEventListener('change', async () => {
      const v = ctx.get();
      const empty = v === undefined || v === '' || (typeof v === 'object' && v && !complete(toModel(v)) && !toModel(v).items.length);
      if (!empty && !(await confirmDialog({
        title: sw.checked ? 'Write an expression instead?' : 'Use rules instead?',
        message: 'The condition it holds now is cleared.', confirm: 'Clear it',
      }))) { sw.checked = !sw.checked; return; }
      if (!empty) ctx.set(undefined, sw);
      draw(sw.checked);
      /** @type {HTMLElement | null} */ (box.querySelector('[role="switch"]'))?.focus();
    });
    const head = h('div', { class: 'cond-head' },
      h('span', { class: 'kv-label' }, groupLabel(ctx)),
      h('label', { class: 'switch-label small', for: switchId }, sw, h('span', null, 'Advanced: expression')));
    clear(box).append(head, asExpr ? codeInput({ ...ctx, bare: true }, 'expr') : builder(ctx), helpOf(ctx));
  };
  draw(typeof ctx.get() === 'string');
  return box;
}

/**
 * builder draws the rules of a condition.
 * @param {WidgetContext} ctx
 */
function builder(ctx) {
  const wrap = h('div', { class: 'cond-builder' });
  const v = ctx.get();
  /** @type {Group} */
  const model = v && typeof v === 'object' ? toModel(v) : { mode: 'all', items: [] };
  /** @type {Map<string, HTMLElement>} rule path -> where its live result shows */
  let results = new Map();
  const status = h('div', { class: 'cond-status', 'aria-live': 'polite' });
  let seq = 0;

  /** @type {DataField[]} */
  let fields = [];
  const loadFields = () => { fields = dataFields(envOf(ctx)); };

  /** @param {string} path */
  const fieldOf = (path) => fields.find((f) => f.path === path);

  const check = async () => {
    const my = ++seq;
    const env = envOf(ctx);
    if (!env || !model.items.length) { clear(status); return; }
    if (!complete(model)) {
      clear(status).append(h('span', { class: 'muted' }, 'Pick a field and an operator in every rule to see if it holds on the sample.'));
      for (const el of results.values()) clear(el);
      return;
    }
    try {
      const r = await post('/condition', { when: toMatch(model), ...env });
      if (my !== seq) return;
      clear(status).append(h('span', { class: r.ok ? 'ok-text' : 'muted' },
        r.ok ? 'On the sample: the condition holds' : 'On the sample: the condition does not hold'));
      for (const [p, el] of results) {
        const rr = r.rules.find((/** @type {any} */ x) => x.path === p);
        clear(el);
        if (!rr) continue;
        el.className = `cond-result ${rr.ok ? 'ok' : 'no'}`;
        el.append(h('span', { 'aria-hidden': 'true' }, rr.ok ? '✓ ' : '✗ '),
          rr.ok ? 'holds' : 'does not hold',
          rr.group ? '' : ` · was ${shortValue(rr.seen === null ? undefined : rr.seen)}`);
        if (rr.hint) el.append(h('span', { class: 'cond-field-hint' }, ` · ${rr.hint}`));
      }
    } catch (e) {
      if (my !== seq) return;
      for (const el of results.values()) clear(el);
      const at = typeof e.field === 'string' ? e.field.replace(/^when\.?/, '') : '';
      clear(status).append(h('span', { class: 'error-text' }, at ? `${at}: ${e.message}` : e.message));
    }
  };
  const checkSoon = debounce(check, 300);

  /** @param {Element} [el] */
  const write = (el) => {
    ctx.set(model.items.length ? toMatch(model) : undefined, el);
    checkSoon();
  };

  /** draw redraws the rules, keeping focus on the control that had it. */
  const draw = () => {
    const focused = document.activeElement && wrap.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
    results = new Map();
    clear(wrap).append(groupBox(model, '', '', true), status);
    if (focused) {
      const el = /** @type {HTMLElement | null} */ ([...wrap.querySelectorAll('[aria-label]')].find((x) => x.getAttribute('aria-label') === focused) || null);
      el?.focus();
    }
    check();
  };

  /**
   * groupBox draws a group: how its rules combine, its rules, and buttons
   * to add one.
   * @param {Group} g
   * @param {string} path its path in the match: '' for the whole, all[1]
   * @param {string} num its number as labels show it: '' for the whole, 2, 2.1
   * @param {boolean} top
   * @param {() => void} [remove]
   */
  const groupBox = (g, path, num, top, remove) => {
    const at = (/** @type {number} */ i) => (path ? `${path}.${g.mode}[${i}]` : `${g.mode}[${i}]`);
    const numAt = (/** @type {number} */ i) => (num ? `${num}.${i + 1}` : `${i + 1}`);
    const mode = /** @type {HTMLSelectElement} */ (h('select', {
      class: 'cond-mode', 'aria-label': top ? 'Combine the rules' : `Combine group ${num}`,
    }, h('option', { value: 'all', selected: g.mode === 'all' }, 'All of these (AND)'),
    h('option', { value: 'any', selected: g.mode === 'any' }, 'Any of these (OR)')));
    mode.addEventListener('change', () => { g.mode = mode.value === 'any' ? 'any' : 'all'; write(mode); draw(); });
    const res = h('span', { class: 'cond-result', 'aria-live': 'off' });
    if (!top || g.items.length > 1) results.set(path, res);
    const list = h('ol', { class: 'cond-rules' });
    g.items.forEach((it, i) => {
      const rm = () => { g.items.splice(i, 1); write(); draw(); };
      list.append(h('li', null, isGroup(it) ? groupBox(it, at(i), numAt(i), false, rm) : ruleRow(it, at(i), numAt(i), rm)));
    });
    const addRule = h('button', {
      type: 'button', class: 'btn small ghost',
      onclick: () => { g.items.push({ field: '', op: '' }); write(addRule); draw(); focusLast(wrap); },
    }, top ? '+ Add rule' : `+ Add rule to group ${num}`);
    const addGroup = h('button', {
      type: 'button', class: 'btn small ghost',
      onclick: () => {
        g.items.push({ mode: g.mode === 'all' ? 'any' : 'all', items: [{ field: '', op: '' }] });
        write(addGroup); draw(); focusLast(wrap);
      },
    }, top ? '+ Add group' : `+ Add group to group ${num}`);
    addRule.setAttribute('aria-label', top ? 'Add rule' : `Add rule to group ${num}`);
    addGroup.setAttribute('aria-label', top ? 'Add group' : `Add group to group ${num}`);
    return h('div', { class: `cond-group${top ? ' top' : ''}`, 'data-field': path ? `${ctx.path}.${path}` : null },
      g.items.length > 1 || !top ? h('div', { class: 'cond-group-head' },
        top ? null : h('span', { class: 'cond-num' }, `Group ${num}:`), mode, res,
        remove ? h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Remove group ${num}`, onclick: remove }, '✕') : null) : null,
      g.items.length ? list : h('p', { class: 'muted cond-empty' }, ctx.field.required ? 'No rules yet: add one.' : 'No rules: it always holds.'),
      h('div', { class: 'cond-add' }, addRule, addGroup));
  };

  /**
   * ruleRow draws a rule: field, operator, value, live result.
   * @param {Rule} r
   * @param {string} path
   * @param {string} num
   * @param {() => void} remove
   */
  const ruleRow = (r, path, num, remove) => {
    const base = `${ctx.path}.${path}`;
    const known = fieldOf(r.field);
    const type = known ? known.type : '';
    // The field: picked from the data, or typed ("Other field…").
    const pick = /** @type {HTMLSelectElement} */ (h('select', { class: 'cond-field', 'aria-label': `Rule ${num} field`, 'data-field': `${base}.field` }));
    pick.append(h('option', { value: '', selected: !r.field }, 'Pick a field…'));
    /** @type {Map<string, HTMLElement>} */
    const groups = new Map();
    for (const f of fields) {
      let og = groups.get(f.source);
      if (!og) { og = h('optgroup', { label: f.source }); groups.set(f.source, og); pick.append(og); }
      const shown = f.path.replace(/^payload\./, '').replace(/^steps\.[^.]+\./, '');
      og.append(h('option', { value: f.path, selected: f.path === r.field }, `${shown} = ${shortValue(f.value)}`));
    }
    if (r.field && !known) pick.append(h('option', { value: r.field, selected: true }, `${r.field} (not in the sample)`));
    pick.append(h('option', { value: OTHER }, 'Other field (type its path)…'));
    pick.addEventListener('change', () => {
      if (pick.value === OTHER) {
        const typed = h('input', { class: 'mono cond-path', 'aria-label': `Rule ${num} field path`, placeholder: 'payload.data.amount', spellcheck: 'false', 'data-field': `${base}.field` });
        typed.addEventListener('change', () => { setField(typed.value.trim(), typed); });
        pick.replaceWith(typed);
        typed.focus();
        return;
      }
      setField(pick.value, pick);
    });
    /**
     * @param {string} path
     * @param {Element} el
     */
    const setField = (path, el) => {
      r.field = path;
      const f = fieldOf(path);
      const offered = f ? OPS[f.type] : [];
      if (f && offered.length && !offered.includes(r.op)) {
        r.op = offered[0];
        if (!takesValue(r.op)) delete r.value;
      } else if (!r.op) r.op = 'eq';
      if (r.value !== undefined && takesValue(r.op)) r.value = typedValue(valueText(r.value), f ? f.type : '', r.op);
      write(el);
      draw();
    };

    const ops = ctx.host.kinds.common.operators || [];
    const offered = type && OPS[type].length ? OPS[type] : ops.map((o) => o.op);
    const op = /** @type {HTMLSelectElement} */ (h('select', { class: 'cond-op', 'aria-label': `Rule ${num} operator`, 'data-field': `${base}.op` },
      r.op ? null : h('option', { value: '', selected: true }, '…'),
      offered.map((o) => h('option', { value: o, selected: o === r.op }, opLabel(o))),
      r.op && !offered.includes(r.op) ? h('option', { value: r.op, selected: true }, opLabel(r.op)) : null));
    op.addEventListener('change', () => {
      r.op = op.value;
      if (!takesValue(r.op)) delete r.value;
      else if (r.value !== undefined) r.value = typedValue(valueText(r.value), type, r.op);
      write(op);
      draw();
    });

    const list = r.op === 'in' || r.op === 'not_in';
    const val = /** @type {HTMLInputElement} */ (h('input', {
      class: 'cond-value', 'aria-label': `Rule ${num} value`, 'data-field': `${base}.value`, autocomplete: 'off', spellcheck: 'false',
      value: valueText(r.value),
      placeholder: list ? 'a, b, c' : type === 'number' ? '10000' : type === 'date' ? '2026-05-01' : 'value',
      hidden: !!r.op && !takesValue(r.op),
    }));
    const hint = h('div', { class: 'cond-hint field-hint', 'aria-live': 'polite' });
    // A plain-language hint where what is typed cannot be of the field's kind.
    const hintFor = () => {
      const x = val.value.trim();
      let msg = '';
      if (x && !x.includes('{{') && !val.hidden) {
        const parts = list ? x.split(',').map((p) => p.trim()).filter(Boolean) : [x];
        if (type === 'number' && parts.some((p) => !NUMBER.test(p))) {
          msg = `${r.field.replace(/^payload\./, '')} is a number: type digits only, such as 10000 (no spaces, commas or units)`;
        } else if (type === 'date' && (r.op === 'before' || r.op === 'after') && !/^\d{4}-\d{2}-\d{2}/.test(x)) {
          msg = `${r.field.replace(/^payload\./, '')} is a date: type it as 2026-05-01 or 2026-05-01T12:00:00Z`;
        }
      }
      hint.textContent = msg;
    };
    val.addEventListener('input', () => {
      r.value = val.value === '' ? undefined : typedValue(val.value, type, r.op);
      hintFor();
      write(val);
    });
    hintFor();
    const res = h('span', { class: 'cond-result', 'aria-live': 'off' });
    results.set(path, res);
    return h('div', { class: 'cond-rule-box', 'data-field': base },
      h('div', { class: 'cond-rule' },
        h('span', { class: 'cond-num', 'aria-hidden': 'true' }, num),
        pick, op, val, res,
        h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Remove rule ${num}`, onclick: remove }, '✕')),
      hint);
  };

  /** @param {string} o */
  const opLabel = (o) => {
    const k = (ctx.host.kinds.common.operators || []).find((x) => x.op === o);
    return k ? k.label : o;
  };
  /** @param {string} o */
  const takesValue = (o) => {
    const k = (ctx.host.kinds.common.operators || []).find((x) => x.op === o);
    return k ? k.value : true;
  };

  loadFields();
  draw();
  onDataChange(wrap, () => {
    if (wrap.contains(document.activeElement)) { loadFields(); check(); return; } // not under the typing hand
    loadFields();
    draw();
  });
  return wrap;
}

/**
 * focusLast focuses the last rule's field picker in wrap: the rule just added.
 * @param {HTMLElement} wrap
 */
function focusLast(wrap) {
  const all = wrap.querySelectorAll('select.cond-field');
  /** @type {HTMLElement | undefined} */ (all[all.length - 1])?.focus();
}

registerWidget('condition', { wide: true, render: condition });

