// @ts-check
// One step's card: its number, type, id and the buttons that move and
// remove it; its form; when it runs; the last test's result for it.

import { h } from '../dom.js';
import { exprField } from './inputs.js';
import { STEP_TYPES, stepForm } from './step-form.js';

/** @typedef {import('./step-list.js').StepList} StepList */

/**
 * stepCard draws step s, the i-th of list.
 * @param {StepList} list
 * @param {Record<string, any>} s
 * @param {number} i
 */
export function stepCard(list, s, i) {
  const ed = list.ed;
  const n = ed.draft.steps.length;
  const path = (/** @type {string} */ f) => `steps[${i}].${f}`;
  const type = /** @type {HTMLSelectElement} */ (h('select', {
    'aria-label': `Step ${i + 1} type`, 'data-field': path('type'), class: 'step-type',
    onchange: () => list.changeType(i, type.value),
  }, Object.entries(STEP_TYPES).map(([t, info]) => h('option', { value: t, selected: s.type === t }, info.label))));
  const id = /** @type {HTMLInputElement} */ (h('input', {
    class: 'mono step-id', value: s.id, 'aria-label': `Step ${i + 1} id`, 'data-field': path('id'), spellcheck: 'false',
    oninput: () => { s.id = id.value; ed.changed(path('id'), id); },
  }));
  const up = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${i + 1} up`, title: 'Move up', disabled: i === 0, onclick: () => list.moveStep(i, -1) }, '↑');
  const down = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${i + 1} down`, title: 'Move down', disabled: i === n - 1, onclick: () => list.moveStep(i, 1) }, '↓');
  const rm = h('button', { type: 'button', class: 'btn icon ghost danger-text', 'aria-label': `Remove step ${i + 1}`, title: 'Remove step', onclick: () => list.removeStep(i) }, '✕');

  const body = h('div', { class: 'step-body' });
  const card = h('li', { class: `step card t-${s.type}`, 'data-field': `steps[${i}]`, dataset: { step: s.id } },
    h('div', { class: 'step-head' },
      h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(i + 1)),
      type, id,
      h('span', { class: 'step-help' }, STEP_TYPES[s.type] ? STEP_TYPES[s.type].help : ''),
      h('span', { class: 'spacer' }),
      up, down, rm),
    body);

  stepForm(body, { ed, s, i, path });
  body.append(h('details', { class: 'when-box', open: !!s.when },
    h('summary', null, s.when ? 'Runs only when' : 'Run only when…'),
    exprField(ed, {
      label: 'Run this step only when', path: path('when'), stepIndex: i, optional: true, className: 'when',
      get: () => s.when, set: (v) => { s.when = v || undefined; },
      help: 'Empty: always. A false condition skips this step and the run goes on.', placeholder: 'payload.amount > 100',
    })));

  const result = h('div', { class: 'step-result', 'aria-live': 'polite' });
  card.append(result);
  ed.tester.renderStepResult(result, s);
  return card;
}
