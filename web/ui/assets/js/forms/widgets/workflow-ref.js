// @ts-check
// A reference to another workflow (the workflow step's "workflow"): its id,
// typed, or picked from a list of the stored workflows by name and id.

import { get } from '../../api.js';
import { h, clear, nextId } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, labelText, placeholder } from '../field.js';

/** @typedef {{id: string, name: string}} WorkflowRef */

/** @type {Promise<WorkflowRef[]> | null} the stored workflows, asked once a page */
let listed = null;
let listedOn = '';

/** workflowList is the stored workflows, asked once for the page open. */
function workflowList() {
  if (!listed || listedOn !== location.pathname) {
    listedOn = location.pathname;
    listed = get('/workflows').then(({ workflows }) => workflows.map((w) => ({ id: w.id, name: w.name || w.id })))
      .catch(() => { listed = null; return []; });
  }
  return listed;
}

/** thisWorkflow is the id of the workflow the editor is on ('' for a new one). */
function thisWorkflow() {
  const m = location.pathname.match(/^\/workflows\/([a-z0-9][a-z0-9-]*)$/);
  return m && m[1] !== 'new' ? m[1] : '';
}

registerWidget('workflow_ref', {
  render: (ctx) => {
    const v = ctx.get();
    const label = labelText(ctx);
    const list = h('datalist', { id: nextId('workflows') });
    const input = /** @type {HTMLInputElement} */ (h('input', {
      value: v == null ? '' : String(v), placeholder: placeholder(ctx) || 'workflow id', 'data-field': ctx.path,
      class: 'mono', autocomplete: 'off', spellcheck: 'false', list: list.id,
    }));
    const pick = /** @type {HTMLSelectElement} */ (h('select', { 'aria-label': `${label}: pick a workflow`, class: 'workflow-pick' }));
    const open = /** @type {HTMLAnchorElement} */ (h('a', { class: 'btn small ghost', 'data-link': '', hidden: true }, 'Open'));
    /** @type {WorkflowRef[]} */
    let all = [];

    const draw = () => {
      const cur = input.value.trim();
      const self = thisWorkflow();
      const others = all.filter((w) => w.id !== self);
      clear(pick).append(
        h('option', { value: '' }, others.length ? 'Pick a workflow…' : 'No other workflow yet'),
        ...others.map((w) => h('option', { value: w.id, selected: w.id === cur }, `${w.name} (${w.id})`)),
        ...(cur && !others.some((w) => w.id === cur)
          ? [h('option', { value: cur, selected: true }, cur === self ? `${cur} (this workflow)` : `${cur} (not found)`)] : []));
      list.replaceChildren(...others.map((w) => h('option', { value: w.id }, w.name)));
      const known = others.some((w) => w.id === cur);
      open.hidden = !known;
      open.href = known ? `/workflows/${encodeURIComponent(cur)}` : '#';
      open.setAttribute('aria-label', `Open workflow ${cur}`);
    };
    pick.addEventListener('change', () => {
      if (!pick.value) return;
      input.value = pick.value;
      ctx.set(input.value, input);
      draw();
    });
    input.addEventListener('input', () => {
      ctx.set(input.value.trim() === '' ? undefined : input.value.trim(), input);
      draw();
    });
    draw();
    workflowList().then((w) => { all = w; draw(); });
    return fieldBox(ctx, input, { extra: [list, h('div', { class: 'workflow-pick-row' }, pick, open)], className: 'workflow-ref-field' });
  },
});
