// @ts-check
// The trigger panel: which kind of trigger starts a run, the form of its
// kind, and what the saved trigger gives: a webhook's URL, a schedule's
// next fire times.

import { h, clear } from '../dom.js';
import { kindOf } from '../kinds.js';
import { renderFields } from '../forms/index.js';
import { newDraft } from './draft.js';
import { triggerURL, takesRequests } from './trigger-url.js';
import { renderFires, firesFor } from './fires.js';
import { renderTriggerState } from './trigger-state.js';

/** @typedef {import('../editor.js').Editor} Editor */

/**
 * renderTrigger draws the trigger panel into box.
 * @param {Editor} ed
 * @param {HTMLElement} box
 */
export function renderTrigger(ed, box) {
  clear(box);
  const kinds = ed.kinds.triggers;
  const t = ed.draft.trigger || (ed.draft.trigger = newDraft().trigger);
  const kind = kindOf(kinds, t.type);
  const type = h('select', {
    id: 'trigger-type', 'data-field': 'trigger.type',
    onchange: () => changeType(ed, type.value),
  }, kinds.map((k) => h('option', { value: k.type, selected: k.type === t.type }, k.title)),
  kind ? null : h('option', { value: t.type, selected: true }, t.type));

  box.append(h('div', { class: 'card-head' },
    h('h2', { id: 'trigger-h' }, h('span', { class: 'step-num trig', 'aria-hidden': 'true' }, '⚡'), 'Trigger'),
    h('div', { class: 'trigger-type' }, h('label', { for: 'trigger-type', class: 'sr-only' }, 'Trigger type'), type)));

  const body = h('div', { class: 'card-body' });
  box.append(body);
  if (kind && kind.summary) body.append(h('p', { class: 'help trigger-summary' }, kind.summary));
  if (takesRequests(t.type)) {
    body.append(...triggerURL(ed, t, (a) => {
      const k = kindOf(ed.kinds.auth, a);
      return k ? k.title : a;
    }));
  }
  const state = h('div', { class: 'fires' }); // a consumer's connection, where the trigger has one
  if (renderTriggerState(state, ed, t)) body.append(state);
  if (kind) body.append(renderFields(kind.fields, t, 'trigger', ed, -1));
  else body.append(h('p', { class: 'error-text' }, `This server has no trigger of type ${t.type}: its fields are kept as they are.`));
  if (firesFor(t.type)) {
    const fires = h('div', { class: 'fires' }); // redrawn on each edit: not a live region
    body.append(fires);
    renderFires(fires, t, ed.saved);
    ed.afterTriggerEdit = () => renderFires(fires, t, ed.saved);
  } else {
    ed.afterTriggerEdit = null;
  }
}

/**
 * changeType makes the trigger one of another kind, keeping the fields the
 * new kind has too; a new workflow's trigger kind starts as a new
 * workflow's does.
 * @param {Editor} ed
 * @param {string} type
 */
function changeType(ed, type) {
  const old = ed.draft.trigger || {};
  const kind = kindOf(ed.kinds.triggers, type);
  /** @type {Record<string, any>} */
  const next = { type };
  for (const f of kind ? kind.fields : []) if (old[f.name] !== undefined) next[f.name] = old[f.name];
  const start = newDraft().trigger;
  ed.draft.trigger = Object.keys(next).length === 1 && start.type === type ? start : next;
  ed.changed('trigger');
  ed.triggerTypeChanged();
}
