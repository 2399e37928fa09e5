// @ts-check
// One step's card: its number, kind, id and the buttons that move and
// remove it; the form of its kind; when it runs; the last test's result
// for it.

import { h } from '../dom.js';
import { kindOf } from '../kinds.js';
import { renderFields, renderField, joinPath } from '../forms/index.js';

/** @typedef {import('./step-list.js').StepList} StepList */

/**
 * stepCard draws step s, the i-th of list.
 * @param {StepList} list
 * @param {Record<string, any>} s
 * @param {number} i
 */
export function stepCard(list, s, i) {
  const host = list.host;
  const kinds = host.kinds;
  const n = list.steps.length;
  const base = `${list.path}[${i}]`;
  const num = list.stepNumber(i);
  const stepIndex = list.stepIndex ?? i;
  const kind = kindOf(kinds.steps, s.type);
  const common = kinds.common.step;
  const idField = common.find((f) => f.name === 'id');
  const more = common.filter((f) => f.name !== 'id');

  const type = h('select', {
    'aria-label': `Step ${num} type`, 'data-field': joinPath(base, 'type'), class: 'step-type',
    onchange: () => list.changeType(i, type.value),
  }, kinds.steps.map((k) => h('option', { value: k.type, selected: s.type === k.type }, k.title)),
  kind ? null : h('option', { value: s.type, selected: true }, s.type));
  const id = h('input', {
    class: 'mono step-id', value: s.id ?? '', 'aria-label': `Step ${num} id`, 'data-field': joinPath(base, 'id'), spellcheck: 'false',
    title: idField && idField.help ? idField.help : null,
    oninput: () => { s.id = id.value; host.changed(joinPath(base, 'id'), id); },
  });
  const up = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${num} up`, title: 'Move up', disabled: i === 0, onclick: () => list.moveStep(i, -1) }, '↑');
  const down = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${num} down`, title: 'Move down', disabled: i === n - 1, onclick: () => list.moveStep(i, 1) }, '↓');
  const rm = h('button', { type: 'button', class: 'btn icon ghost danger-text', 'aria-label': `Remove step ${num}`, title: 'Remove step', onclick: () => list.removeStep(i) }, '✕');

  const body = h('div', { class: 'step-body' });
  const card = h('li', { class: `step card t-${s.type}`, 'data-field': base, dataset: { step: s.id } },
    h('div', { class: 'step-head' },
      h('span', { class: 'step-num', 'aria-hidden': 'true' }, num),
      type, id,
      h('span', { class: 'step-help' }, kind ? kind.summary : ''),
      h('span', { class: 'spacer' }),
      up, down, rm),
    body);

  if (kind) body.append(renderFields(kind.fields, s, base, host, stepIndex));
  else body.append(h('p', { class: 'error-text' }, `This server has no step of type ${s.type}: its fields are kept as they are.`));
  if (more.length) {
    const set = more.some((f) => s[f.name] !== undefined);
    body.append(h('details', { class: 'when-box', open: set },
      h('summary', null, `${more.map((f) => f.label).join(', ')}…`),
      more.map((f) => renderField(f, s, base, host, stepIndex))));
  }

  const result = h('div', { class: 'step-result', 'aria-live': 'polite' });
  card.append(result);
  if (host.stepResult) host.stepResult(result, s);
  return card;
}

