// @ts-check
// The step list: the steps in order, and the buttons that add one.

import { h, clear, confirmDialog } from '../dom.js';
import { allowedFields } from './draft.js';
import { stepCard } from './step-card.js';
import { STEP_TYPES } from './step-form.js';

/** @typedef {import('../editor.js').Editor} Editor */

/** StepList draws and edits the draft's steps. */
export class StepList {
  /** @param {Editor} ed */
  constructor(ed) {
    this.ed = ed;
    this.box = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  }

  /** render draws the list and its add bar. */
  render() {
    this.box = h('ol', { class: 'steps', 'aria-label': 'Steps' });
    const addBar = h('div', { class: 'add-step', role: 'group', 'aria-labelledby': 'add-step-h' },
      h('span', { id: 'add-step-h', class: 'add-label' }, 'Add a step'),
      Object.entries(STEP_TYPES).map(([t, info]) => h('button', {
        type: 'button', class: 'btn small', title: info.help, dataset: { addStep: t },
        onclick: () => this.addStep(t),
      }, `+ ${info.label}`)));
    this.renderSteps();
    return [this.box, addBar];
  }

  get steps() {
    const d = this.ed.draft;
    return d.steps || (d.steps = []);
  }

  renderSteps() {
    const box = clear(this.box);
    const steps = this.steps;
    if (!steps.length) {
      box.append(h('li', { class: 'steps-empty' },
        'No steps yet. A workflow needs at least one: add a filter, a transform or a webhook call below.'));
    }
    steps.forEach((s, i) => box.append(stepCard(this, s, i)));
  }

  /** @returns {HTMLElement[]} the step cards */
  cards() {
    return /** @type {HTMLElement[]} */ ([...this.box.querySelectorAll(':scope > li.step')]);
  }

  /** @param {string} type */
  uniqueStepID(type) {
    const ids = new Set(this.steps.map((s) => s.id));
    if (!ids.has(type)) return type;
    for (let k = 2; ; k++) if (!ids.has(`${type}_${k}`)) return `${type}_${k}`;
  }

  /** @param {string} type */
  addStep(type) {
    /** @type {Record<string, any>} */
    const s = { id: this.uniqueStepID(type), type };
    if (type === 'transform') s.expr = 'payload';
    if (type === 'delay') s.for = '1m';
    this.steps.push(s);
    this.ed.changed('steps');
    this.renderSteps();
    const card = /** @type {HTMLElement} */ (this.box.lastElementChild);
    const first = card.querySelector('.step-body textarea, .step-body input');
    card.scrollIntoView({ block: 'nearest' });
    if (first instanceof HTMLElement) first.focus();
  }

  /**
   * @param {number} i
   * @param {string} type
   */
  changeType(i, type) {
    const s = this.steps[i];
    /** @type {Record<string, any>} */
    const keep = { id: s.id, type, when: s.when };
    for (const f of allowedFields(type)) if (s[f] !== undefined) keep[f] = s[f];
    if (type === 'transform' && !keep.expr) keep.expr = 'payload';
    if (type === 'delay' && !keep.for && !keep.until) keep.for = '1m';
    this.steps[i] = keep;
    this.ed.changed(`steps[${i}]`);
    this.renderSteps();
    this.focusIn(i, '.step-type');
  }

  /**
   * @param {number} i
   * @param {number} by
   */
  moveStep(i, by) {
    const steps = this.steps;
    const j = i + by;
    if (j < 0 || j >= steps.length) return;
    [steps[i], steps[j]] = [steps[j], steps[i]];
    this.ed.changed('steps');
    this.renderSteps();
    const btn = this.box.children[j].querySelector(`[aria-label^="Move step ${j + 1} ${by < 0 ? 'up' : 'down'}"]`);
    if (btn instanceof HTMLButtonElement && !btn.disabled) btn.focus();
    else this.focusIn(j, '.step-type');
  }

  /** @param {number} i */
  async removeStep(i) {
    const s = this.steps[i];
    const hasContent = allowedFields(s.type).some((f) => s[f] !== undefined) || s.when;
    if (hasContent && !(await confirmDialog({ title: `Remove step “${s.id}”?`, message: 'Its settings are lost unless you leave without saving.', confirm: 'Remove step', danger: true }))) return;
    this.steps.splice(i, 1);
    this.ed.changed('steps');
    this.renderSteps();
    this.focusIn(Math.min(i, this.box.children.length - 1), '.step-type');
  }

  /**
   * focusIn focuses the element sel of the i-th card.
   * @param {number} i
   * @param {string} sel
   */
  focusIn(i, sel) {
    const el = this.box.children[i] && this.box.children[i].querySelector(sel);
    if (el instanceof HTMLElement) el.focus();
  }
}
