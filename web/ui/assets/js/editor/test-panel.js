// @ts-check
// Test: a dry run of the draft, saved or not, against the sample; its
// summary beside the steps and each step's outcome under it.

import { post } from '../api.js';
import { h, clear, statusPill, fmtTime, fmtDuration, jsonView } from '../dom.js';
import { toDefinition } from './draft.js';
import { clearAllErrors } from './field-errors.js';

/** @typedef {import('../editor.js').Editor} Editor */

/** TestPanel runs tests and shows their report. */
export class TestPanel {
  /** @param {Editor} ed */
  constructor(ed) {
    this.ed = ed;
    this.sendOnTest = false;
    this.box = h('section', { class: 'card test-summary', 'aria-labelledby': 'test-h', 'aria-live': 'polite' });
  }

  /** render draws the summary card. */
  render() {
    this.box = h('section', { class: 'card test-summary', 'aria-labelledby': 'test-h', 'aria-live': 'polite' });
    this.renderSummary();
    return this.box;
  }

  renderSummary() {
    const ed = this.ed;
    const box = clear(this.box);
    const send = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'test-send', checked: this.sendOnTest, onchange: () => { this.sendOnTest = send.checked; } }));
    box.append(h('div', { class: 'card-head' }, h('h2', { id: 'test-h' }, 'Test')));
    const body = h('div', { class: 'card-body' });
    box.append(body);
    const rep = ed.report;
    if (rep) {
      const total = rep.steps.reduce((/** @type {number} */ a, /** @type {any} */ s) => a + (s.duration_ms || 0), 0);
      body.append(h('div', { class: 'test-line', id: 'test-result' }, statusPill(rep.status),
        h('span', null, `${rep.steps.length} step${rep.steps.length === 1 ? '' : 's'} ran`), h('span', { class: 'muted' }, fmtDuration(total))));
      if (rep.error) body.append(h('div', { class: 'error-text' }, rep.error));
      body.append(h('p', { class: 'help' }, 'Each step shows its output under it.'));
    } else {
      body.append(h('p', { class: 'help' }, ed.saved
        ? 'Test runs your edits, saved or not, against the sample. Nothing is stored.'
        : 'Save the workflow to test it.'));
    }
    body.append(h('label', { class: 'check', for: 'test-send' }, send, 'Really send webhook requests when testing'));
  }

  async run() {
    const ed = this.ed;
    if (!ed.saved) return;
    if (ed.checkLocal()) return;
    clearAllErrors(ed.root);
    const btn = /** @type {HTMLButtonElement} */ (ed.root.querySelector('#test'));
    btn.disabled = true;
    btn.textContent = 'Testing…';
    try {
      ed.report = await post(`/workflows/${ed.saved.id}/test`, { definition: toDefinition(ed.draft), payload: ed.sample.payload, send: this.sendOnTest });
      const steps = ed.draft.steps;
      ed.stepList.cards().forEach((li, i) => {
        const r = li.querySelector('.step-result');
        if (r instanceof HTMLElement && steps[i]) this.renderStepResult(r, steps[i]);
      });
      this.renderSummary();
      ed.previews.refresh();
    } catch (e) {
      ed.showSaveError(e, 'Cannot test');
    } finally {
      btn.disabled = false;
      btn.textContent = 'Test';
    }
  }

  clearStepResults() {
    for (const el of this.ed.stepList.box.querySelectorAll('.step-result')) clear(el);
  }

  /**
   * renderStepResult shows under a step what the last test made of it.
   * @param {HTMLElement} el
   * @param {Record<string, any>} s the step
   */
  renderStepResult(el, s) {
    clear(el);
    const rep = this.ed.report;
    if (!rep) return;
    const r = rep.steps.find((/** @type {any} */ x) => x.step === s.id);
    if (!r) {
      el.append(h('div', { class: 'result-head muted' }, 'Test: not reached'));
      return;
    }
    el.append(h('div', { class: 'result-head' },
      h('span', { class: 'result-label' }, 'Test'), statusPill(r.status),
      r.status_code ? h('span', { class: 'mono' }, `HTTP ${r.status_code}`) : null,
      h('span', { class: 'muted' }, fmtDuration(r.duration_ms)),
      r.until ? h('span', { class: 'muted' }, `until ${fmtTime(r.until)}`) : null));
    if (r.error) el.append(h('div', { class: 'error-text' }, r.error));
    // A step that made a request records it as its input.
    if (r.input && typeof r.input === 'object' && r.input.method && r.input.url) {
      el.append(h('details', { class: 'io' }, h('summary', null, r.output && r.output.sent === false ? 'Request it would send' : 'Request'), jsonView(r.input, { root: 'request' })));
    }
    if (r.output !== undefined && r.output !== null) {
      el.append(h('div', { class: 'io' }, h('div', { class: 'io-h' }, `Output · steps.${s.id}`), jsonView(r.output, { root: `steps.${s.id}` })));
    }
  }
}
