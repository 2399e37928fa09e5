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
 * @property {'expr' | 'template'} kind how the input is read: one expression, or text with {{ }} parts
 * @property {number} stepIndex the step whose environment it sees (-1: the trigger's)
 * @property {string} [emptyHint] shown while the field is empty
 * @property {number} [seq] counts the previews asked, so a late answer is dropped
 */

/**
 * renderTemplate renders text with {{ expr }} parts, each part evaluated by the server.
 * @param {string} src
 * @param {ExprEnv} env
 * @returns {Promise<string>}
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
  const vals = await Promise.all(parts.map(async (p) => {
    if (typeof p === 'string') return p;
    try {
      const { value } = await post('/expr', { expr: p.expr.trim(), ...env });
      return typeof value === 'string' ? value : JSON.stringify(value);
    } catch (e) {
      e.template = p.expr.trim();
      throw e;
    }
  }));
  return vals.join('');
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
      let text;
      if (f.kind === 'template') {
        text = await renderTemplate(src, env);
      } else {
        const { value } = await post('/expr', { expr: src, ...env });
        text = compact(value, 600);
      }
      if (seq !== f.seq) return;
      p.removeAttribute('aria-busy');
      clear(p).className = 'preview ok';
      p.append(h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→ '), h('span', { class: 'sr-only' }, 'Preview: '),
        h('code', { class: 'value' }, text));
    } catch (e) {
      if (seq !== f.seq) return;
      p.removeAttribute('aria-busy');
      clear(p).className = 'preview err';
      p.append(errorAt(e, e.template != null ? e.template : src));
    }
  }
}
