// @ts-check
// A list of steps: the workflow's, or the steps a step holds (the widget
// of the "steps" kind of value). Steps in order, each a card, and a button
// per step kind that adds one.

import { h, clear, confirmDialog } from '../dom.js';
import { kindOf } from '../kinds.js';
import { registerWidget } from '../forms/index.js';
import { groupLabel, helpOf } from '../forms/field.js';
import { stepCard } from './step-card.js';
import { stepGallery } from './step-gallery.js';

/**
 * @typedef {import('../forms/registry.js').FormHost} FormHost
 * @typedef {FormHost & {stepResult?: (el: HTMLElement, s: Record<string, any>) => void}} StepHost
 *   what a step list asks of the page; stepResult shows the last test's outcome under a step
 * @typedef {Object} StepsAt where a list's steps are
 * @property {string} path their path: steps, or steps[2].steps
 * @property {() => any} get
 * @property {(v: Record<string, any>[] | undefined) => void} set
 * @property {number} [stepIndex] the step whose environment the previews use; unset: each step's own
 */

/** StepList draws and edits a list of steps. */
export class StepList {
  /**
   * @param {StepHost} host
   * @param {StepsAt} at
   */
  constructor(host, at) {
    this.host = host;
    this.path = at.path;
    this.at = at;
    this.stepIndex = at.stepIndex;
    /** @type {number[]} the numbers of the steps holding this list: [2] for steps[1].steps */
    this.outer = [...this.path.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]) + 1);
    this.box = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  }

  /** @returns {Record<string, any>[]} */
  get steps() {
    const v = this.at.get();
    return Array.isArray(v) ? v : [];
  }

  /**
   * stepNumber numbers the i-th step in labels: 3, or 2.1 for the first
   * step inside the second.
   * @param {number} i
   */
  stepNumber(i) {
    return [...this.outer, i + 1].join('.');
  }

  /** nested says whether these are a step's own steps, not the workflow's. */
  get nested() { return this.path !== 'steps'; }

  /** render draws the list and its add bar. */
  render() {
    this.box = h('ol', { class: `steps${this.nested ? ' nested' : ''}`, 'aria-label': this.nested ? `Steps of ${this.outer.length ? `step ${this.outer.join('.')}` : this.path}` : 'Steps' });
    const labelId = `add-step-h${this.nested ? `-${this.path.replace(/\W+/g, '-')}` : ''}`;
    const addBar = h('div', { class: 'add-step', role: 'group', 'aria-labelledby': labelId },
      h('span', { id: labelId, class: 'add-label' }, 'Add a step'),
      this.host.kinds.steps.map((k) => h('button', {
        type: 'button', class: 'btn small', title: k.summary, dataset: this.nested ? { addNestedStep: k.type } : { addStep: k.type },
        onclick: () => this.addStep(k.type),
      }, `+ ${k.title}`)));
    const [openGallery, gallery] = stepGallery(this);
    addBar.firstElementChild?.after(openGallery);
    addBar.append(gallery);
    this.renderSteps();
    return [this.box, addBar];
  }

  renderSteps() {
    const box = clear(this.box);
    const steps = this.steps;
    if (!steps.length) {
      box.append(h('li', { class: 'steps-empty' }, this.nested
        ? 'No steps yet: add one below.'
        : 'No steps yet: save with a name and a trigger to get its URL (each event is recorded), then add steps below.'));
    }
    steps.forEach((s, i) => box.append(stepCard(this, s, i)));
  }

  /** @returns {HTMLElement[]} the step cards */
  cards() {
    return /** @type {HTMLElement[]} */ ([...this.box.querySelectorAll(':scope > li.step')]);
  }

  /**
   * store puts a changed list back and reports the edit.
   * @param {Record<string, any>[]} steps
   * @param {string} path the field the edit was made to
   */
  store(steps, path) {
    // An emptied list of a step's own steps is left out; the workflow's stays.
    this.at.set(steps.length || !this.nested ? steps : undefined);
    this.host.changed(path);
  }

  /** @param {string} type */
  uniqueStepID(type) {
    const ids = new Set(this.steps.map((s) => s.id));
    const stem = type.replace(/[^A-Za-z0-9_]/g, '_');
    if (!ids.has(stem)) return stem;
    for (let k = 2; ; k++) if (!ids.has(`${stem}_${k}`)) return `${stem}_${k}`;
  }

  /**
   * @param {string} type
   * @param {Record<string, any>} [fields] the step's first settings (an app step's app and action)
   */
  addStep(type, fields = {}) {
    const steps = this.steps;
    steps.push({ id: this.uniqueStepID(fields.app || type), type, ...fields });
    this.store(steps, this.path);
    this.renderSteps();
    const card = /** @type {HTMLElement} */ (this.box.lastElementChild);
    const first = card.querySelector('.step-body textarea, .step-body input, .step-body select');
    card.scrollIntoView({ block: 'nearest' });
    if (first instanceof HTMLElement) first.focus();
  }

  /**
   * fieldNames are the fields step s may have: its kind's and those every
   * step has.
   * @param {string} type
   */
  fieldNames(type) {
    const k = kindOf(this.host.kinds.steps, type);
    return [...this.host.kinds.common.step.map((f) => f.name), ...(k ? k.fields.map((f) => f.name) : [])];
  }

  /**
   * changeType turns step i into a step of another kind, keeping the
   * fields the new kind has too.
   * @param {number} i
   * @param {string} type
   */
  changeType(i, type) {
    const steps = this.steps;
    const s = steps[i];
    /** @type {Record<string, any>} */
    const next = {};
    for (const f of this.fieldNames(type)) if (f !== 'id' && s[f] !== undefined) next[f] = s[f];
    steps[i] = { id: s.id, type, ...next };
    this.store(steps, `${this.path}[${i}]`);
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
    this.store(steps, this.path);
    this.renderSteps();
    const btn = this.box.children[j].querySelector(`[aria-label^="Move step ${this.stepNumber(j)} ${by < 0 ? 'up' : 'down'}"]`);
    if (btn instanceof HTMLButtonElement && !btn.disabled) btn.focus();
    else this.focusIn(j, '.step-type');
  }

  /** @param {number} i */
  async removeStep(i) {
    const s = this.steps[i];
    const hasContent = Object.keys(s).some((f) => f !== 'id' && f !== 'type' && s[f] !== undefined);
    if (hasContent && !(await confirmDialog({ title: `Remove step “${s.id}”?`, message: 'Its settings are lost unless you leave without saving.', confirm: 'Remove step', danger: true }))) return;
    const steps = this.steps;
    steps.splice(i, 1);
    this.store(steps, this.path);
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

// Steps a step holds (loops, paths): a list of their own, in the step's form.
registerWidget('steps', {
  wide: true,
  render: (ctx) => {
    const list = new StepList(ctx.host, { path: ctx.path, get: ctx.get, set: (v) => ctx.set(v), stepIndex: ctx.stepIndex });
    return h('fieldset', { class: 'nested-steps', 'data-field': ctx.path },
      h('legend', null, groupLabel(ctx)), helpOf(ctx), list.render());
  },
});
