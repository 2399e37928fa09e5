// @ts-check
// The data a step sees, as fields a person picks from: the sample event's,
// every earlier step's output (as last tested), the request's, the
// workflow's vars. The condition builder and the field mapper offer these.

import { childPath, debounce } from '../dom.js';

/** @typedef {import('./previews.js').ExprEnv} ExprEnv */

/**
 * @typedef {Object} DataField one field of the data
 * @property {string} path its path: payload.data.amount (a rule's field, and an expression)
 * @property {string} expr its path as an expression: payload["x-kind"]
 * @property {string} name its last part, as shown: amount
 * @property {string} source where it comes from: "Sample event", "Step shape's output"
 * @property {any} value its value in the data
 * @property {FieldType} type what kind of value it is
 * @property {number} depth how deep it sits under its root
 */

/** @typedef {'text' | 'number' | 'date' | 'boolean' | 'list' | 'object' | 'empty'} FieldType */

const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_FIELDS = 400;

/**
 * typeOf is the kind of a value, as the operators offered for it go.
 * @param {any} v
 * @returns {FieldType}
 */
export function typeOf(v) {
  if (v === null || v === undefined) return 'empty';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  const s = String(v);
  if (NUMBER.test(s.trim())) return 'number';
  if (DATE.test(s.trim())) return 'date';
  return 'text';
}

/**
 * dataFields lists the fields of env, each root's in order, objects before
 * their fields. A list is one field (its first item's fields follow, as
 * list[0]).
 * @param {ExprEnv | null | undefined} env
 * @returns {DataField[]}
 */
export function dataFields(env) {
  /** @type {DataField[]} */
  const out = [];
  if (!env) return out;
  /**
   * @param {any} v
   * @param {string} path
   * @param {string} expr
   * @param {string} source
   * @param {number} depth
   */
  const walk = (v, path, expr, source, depth) => {
    if (out.length >= MAX_FIELDS || depth > 8) return;
    if (Array.isArray(v)) {
      if (v.length && v[0] !== null && typeof v[0] === 'object' && !Array.isArray(v[0])) {
        walkKeys(v[0], `${path}[0]`, `${expr}[0]`, source, depth);
      }
      return;
    }
    if (v !== null && typeof v === 'object') walkKeys(v, path, expr, source, depth);
  };
  /**
   * @param {Record<string, any>} obj
   * @param {string} path
   * @param {string} expr
   * @param {string} source
   * @param {number} depth
   */
  const walkKeys = (obj, path, expr, source, depth) => {
    for (const [k, v] of Object.entries(obj)) {
      if (out.length >= MAX_FIELDS) return;
      // A key with a dot cannot be a rule's field path: it stays out.
      if (k.includes('.') || k.includes('[')) continue;
      const p = `${path}.${k}`;
      const e = childPath(expr, k);
      out.push({ path: p, expr: e, name: k, source, value: v, type: typeOf(v), depth });
      walk(v, p, e, source, depth + 1);
    }
  };
  // After a transform the payload is its output (the same object, as tested).
  const from = Object.entries(env.steps || {}).filter(([, v]) => v !== null && typeof v === 'object' && v === env.payload).map(([id]) => id).pop();
  walk(env.payload, 'payload', 'payload', from ? `Payload (as step ${from} left it)` : 'Sample event', 0);
  for (const [id, v] of Object.entries(env.steps || {})) {
    if (!IDENT.test(id)) continue;
    const source = `Step ${id}'s output`;
    out.push({ path: `steps.${id}`, expr: `steps.${id}`, name: id, source, value: v, type: typeOf(v), depth: 0 });
    walk(v, `steps.${id}`, `steps.${id}`, source, 1);
  }
  const trig = env.trigger || {};
  for (const k of ['method', 'received_at']) {
    if (trig[k]) out.push({ path: `trigger.${k}`, expr: `trigger.${k}`, name: k, source: 'Request', value: trig[k], type: typeOf(trig[k]), depth: 0 });
  }
  for (const part of ['headers', 'query']) {
    for (const [k, v] of Object.entries(trig[part] || {})) {
      if (k.includes('.')) continue;
      out.push({ path: `trigger.${part}.${k}`, expr: childPath(`trigger.${part}`, k), name: `${part === 'headers' ? 'header' : 'query'} ${k}`, source: 'Request', value: v, type: typeOf(v), depth: 0 });
    }
  }
  // What a broker said of the message (a nats or redis trigger's).
  for (const [k, v] of Object.entries(trig.meta || {})) {
    if (k.includes('.')) continue;
    out.push({ path: `trigger.meta.${k}`, expr: childPath('trigger.meta', k), name: `meta ${k}`, source: 'Message', value: v, type: typeOf(v), depth: 0 });
  }
  walk(env.vars, 'vars', 'vars', 'Workflow vars', 0);
  return out;
}

/**
 * shortValue shows a value in a few characters: "payment.succeeded",
 * 12000, [3 items], {…}.
 * @param {any} v
 * @param {number} [max]
 */
export function shortValue(v, max = 40) {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `[${v.length} item${v.length === 1 ? '' : 's'}]`;
  if (v !== null && typeof v === 'object') return '{…}';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * envOf is the data the widget of ctx offers: the step's environment, or
 * none where the form is not on an editor page.
 * @param {import('../forms/registry.js').WidgetContext} ctx
 * @returns {ExprEnv | null}
 */
export function envOf(ctx) {
  if (!ctx.host.envFor) return null;
  try {
    return ctx.host.envFor(ctx.stepIndex < 0 ? 0 : ctx.stepIndex);
  } catch {
    return null;
  }
}

/**
 * onDataChange calls fn whenever the data the editor offers changes (a new
 * sample, a test's outputs), while el is on the page.
 * @param {HTMLElement} el
 * @param {() => void} fn
 */
export function onDataChange(el, fn) {
  const later = debounce(fn, 150); // vars typed one key at a time
  const listener = () => {
    if (!el.isConnected) { window.removeEventListener('hookflow:data', listener); return; }
    later();
  };
  window.addEventListener('hookflow:data', listener);
}
