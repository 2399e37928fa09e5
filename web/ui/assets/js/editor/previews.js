// @ts-check
// Live previews: an expression or {{ }} template field shows what it gives
// against the sample, evaluated by the server (POST /api/v1/expr) in the
// environment the step would see.

import { post } from '../api.js';
import { h, clear, compact, debounce } from '../dom.js';
import { errorAt } from './field-errors.js';

/**
 * @typedef {Object} ExprEnv what an expression sees (POST /api/v1/expr's body without expr)
 * @property {any} payload
 * @property {Record<string, any>} trigger
 * @property {Record<string, any>} steps
 * @property {Record<string, any>} vars
 */

/**
 * @typedef {Object} PreviewField a field with a live preview
 * @property {HTMLInputElement | HTMLTextAreaElement} el the field's input
 * @property {HTMLElement} preview where its value is shown
 * @property {'expr' | 'template' | 'rules'} kind how the input is read: one expression, text with {{ }}
 *   parts, or a condition's rules as JSON (whose fields are checked against the data)
 * @property {number} stepIndex the step whose environment it sees (-1: the trigger's)
 * @property {string} [emptyHint] shown while the field is empty
 * @property {number} [seq] counts the previews asked, so a late answer is dropped
 */

/**
 * @typedef {Object} Rendered a preview's value and what it warns of
 * @property {string} text
 * @property {string[]} hints plain-language warnings: a field missing from the data, {{ }} in an expression
 */

/**
 * renderTemplate renders text with {{ expr }} parts, each part evaluated by
 * the server, with the hints of its parts.
 * @param {string} src
 * @param {ExprEnv} env
 * @returns {Promise<Rendered>}
 */
export async function renderTemplate(src, env) {
  /** @type {(string | {expr: string})[]} */
  const parts = [];
  const re = /\{\{([\s\S]*?)\}\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(src))) {
    parts.push(src.slice(last, m.index), { expr: m[1] });
    last = re.lastIndex;
  }
  parts.push(src.slice(last));
  /** @type {string[]} */
  const hints = [];
  const vals = await Promise.all(parts.map(async (p) => {
    if (typeof p === 'string') return p;
    try {
      const ans = await post('/expr', { expr: p.expr.trim(), ...env });
      hints.push(...hintsOf(ans));
      const { value } = ans;
      return typeof value === 'string' ? value : JSON.stringify(value);
    } catch (e) {
      e.template = p.expr.trim();
      throw e;
    }
  }));
  return { text: vals.join(''), hints: [...new Set(hints)] };
}

/**
 * hintsOf are the warnings of an answer of POST /api/v1/expr.
 * @param {{warning?: string, hints?: string[]}} ans
 */
function hintsOf(ans) {
  return [...(ans.warning ? [ans.warning] : []), ...(ans.hints || [])];
}

/**
 * urlWarning says what is likely wrong with a URL a preview shows: null in
 * it, or an empty part (//), where a field it uses is missing or empty.
 * @param {string} url
 */
export function urlWarning(url) {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(\?[^#]*)?/i.exec(url.trim());
  if (!m) return '';
  const segs = m[1].split('/').slice(1);
  const query = (m[2] || '').slice(1).split('&').map((kv) => kv.split('=').slice(1).join('='));
  if (segs.includes('null') || query.includes('null')) {
    return 'the URL has null in it: a field it uses is not in the data this step gets';
  }
  if (segs.slice(0, -1).includes('')) {
    return 'the URL has an empty part (//): a field it uses is empty or missing';
  }
  return '';
}

/**
 * ruleFields are the field paths of a condition's rules ({"all": [{"field": ...}, {"any": [...]}]}).
 * @param {any} rules
 * @param {string[]} [out]
 * @returns {string[]}
 */
function ruleFields(rules, out = []) {
  if (Array.isArray(rules)) rules.forEach((r) => ruleFields(r, out));
  else if (rules && typeof rules === 'object') {
    if (typeof rules.field === 'string' && !out.includes(rules.field)) out.push(rules.field);
    ruleFields(rules.all, out);
    ruleFields(rules.any, out);
  }
  return out;
}

/**
 * ruleHints are the hints about the fields of a condition's rules (JSON
 * text) that the data at the step lacks; none where the text is not JSON.
 * @param {string} src
 * @param {ExprEnv} env
 * @returns {Promise<string[]>}
 */
async function ruleHints(src, env) {
  let rules;
  try { rules = JSON.parse(src); } catch { return []; }
  const all = await Promise.all(ruleFields(rules).map(async (field) => {
    try { return hintsOf(await post('/expr', { expr: field, ...env })); } catch { return []; }
  }));
  return [...new Set(all.flat())];
}

/** Previews keeps the preview fields of a page current. */
export class Previews {
  /** @param {(stepIndex: number) => ExprEnv | Promise<ExprEnv>} envFor the environment of a step */
  constructor(envFor) {
    this.envFor = envFor;
    /** @type {PreviewField[]} */
    this.fields = [];
    /** the first step whose previews an edit made stale (Infinity: none) */
    this.staleFrom = Infinity;
    this.refreshStale = debounce(() => {
      const from = this.staleFrom;
      this.staleFrom = Infinity;
      this.fields = this.fields.filter((f) => f.el.isConnected);
      for (const f of this.fields) if (f.stepIndex >= from) this.show(f);
    }, 400);
  }

  /**
   * refreshAfter shows again, once the edits settle, the previews of the
   * steps after step i: what they see comes from it.
   * @param {number} i
   */
  refreshAfter(i) {
    this.staleFrom = Math.min(this.staleFrom, i + 1);
    this.refreshStale();
  }

  /**
   * add shows a field's preview and wires it: the preview follows what is
   * typed, and refresh shows it again.
   * @param {PreviewField} f
   */
  add(f) {
    f.seq = 0;
    const later = debounce(() => this.show(f), 300);
    f.el.addEventListener('input', () => {
      f.preview.setAttribute('aria-busy', 'true'); // until the preview is current
      later();
    });
    this.fields.push(f);
    this.show(f);
  }

  /** refresh shows every preview on the page again (a new sample, a test's outputs). */
  refresh() {
    this.fields = this.fields.filter((f) => f.el.isConnected);
    for (const f of this.fields) this.show(f);
    // The condition builder and the field mapper offer the data anew.
    window.dispatchEvent(new Event('hookflow:data'));
  }

  /**
   * show evaluates one field and shows its value or its error.
   * @param {PreviewField} f
   */
  async show(f) {
    const src = f.el.value;
    const seq = ++f.seq;
    const p = f.preview;
    if (!src.trim()) {
      clear(p).className = 'preview';
      p.removeAttribute('aria-busy');
      if (f.emptyHint) p.append(h('span', { class: 'muted' }, f.emptyHint));
      return;
    }
    p.setAttribute('aria-busy', 'true');
    try {
      const env = await this.envFor(f.stepIndex < 0 ? 0 : f.stepIndex);
      if (seq !== f.seq) return;
      /** @type {Rendered} */
      let out;
      if (f.kind === 'rules') {
        const hints = await ruleHints(src, env);
        if (seq !== f.seq) return;
        p.removeAttribute('aria-busy');
        clear(p).className = `preview${hints.length ? ' ok warned' : ''}`;
        for (const hint of hints) p.append(h('div', { class: 'preview-hint' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), hint));
        return;
      }
      if (f.kind === 'template') {
        out = await renderTemplate(src, env);
      } else {
        const ans = await post('/expr', { expr: src, ...env });
        out = { text: compact(ans.value, 600), hints: hintsOf(ans) };
      }
      if (seq !== f.seq) return;
      const path = f.el.dataset.field || '';
      const bad = /(^|\.)url$/.test(path) ? urlWarning(out.text) : '';
      if (bad) out.hints.push(bad);
      p.removeAttribute('aria-busy');
      clear(p).className = `preview ok${out.hints.length ? ' warned' : ''}`;
      p.append(h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→ '), h('span', { class: 'sr-only' }, 'Preview: '),
        h('code', { class: 'value' }, out.text));
      for (const hint of out.hints) p.append(h('div', { class: 'preview-hint' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), hint));
    } catch (e) {
      if (seq !== f.seq) return;
      p.removeAttribute('aria-busy');
      clear(p).className = 'preview err';
      p.append(errorAt(e, e.template != null ? e.template : src));
      if (e.hint) p.append(h('div', { class: 'preview-hint' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), e.hint));
    }
  }
}
