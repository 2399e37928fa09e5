// @ts-check
// The workflow's own settings: its id (before the first save), vars, the
// workflow started on failure, how many runs at once.

import { get } from '../api.js';
import { h, labelled } from '../dom.js';
import { renderField, hostWith } from '../forms/index.js';

/** @typedef {import('../editor.js').Editor} Editor */

/**
 * settingsSection is the collapsed "Workflow settings" card.
 * @param {Editor} ed
 */
export function settingsSection(ed) {
  const d = ed.draft;
  const sec = h('details', { class: 'card settings' }, h('summary', null, h('h2', { class: 'inline-h' }, 'Workflow settings'), h('span', { class: 'muted' }, ' vars, on failure, concurrency')));
  const body = h('div', { class: 'card-body' });
  sec.append(body);
  if (!ed.saved) {
    const idIn = /** @type {HTMLInputElement} */ (h('input', {
      class: 'mono', value: d.id || '', placeholder: 'generated from the name', 'data-field': 'id', spellcheck: 'false',
      oninput: () => { d.id = idIn.value || undefined; ed.changed('id', idIn); },
    }));
    body.append(labelled('Id', idIn, { optional: true, help: 'Lower-case letters, digits and -; it cannot change later.' }));
  }
  // The expressions read vars: a change shows in every preview.
  const varsHost = hostWith(ed, (path, el) => { ed.changed(path, el); ed.previews.refresh(); });
  body.append(renderField({
    name: 'vars', label: 'Vars', kind: 'json', placeholder: '{"base": "https://api.example.com"}',
    help: 'Constants the expressions read as vars.NAME.',
  }, d, '', varsHost, -1));
  const onf = /** @type {HTMLInputElement} */ (h('input', {
    class: 'mono', value: d.on_failure || '', placeholder: 'workflow id', 'data-field': 'on_failure', list: 'wf-ids',
    oninput: () => { d.on_failure = onf.value || undefined; ed.changed('on_failure', onf); },
  }));
  const ids = h('datalist', { id: 'wf-ids' });
  get('/workflows').then(({ workflows }) => {
    for (const w of workflows) if (!ed.saved || w.id !== ed.saved.id) ids.append(h('option', { value: w.id }, w.name));
  }).catch(() => {});
  const conc = /** @type {HTMLInputElement} */ (h('input', {
    type: 'number', min: '0', value: d.concurrency || '', placeholder: 'no limit', 'data-field': 'concurrency',
    oninput: () => { const v = parseInt(conc.value, 10); d.concurrency = Number.isFinite(v) && v > 0 ? v : undefined; ed.changed('concurrency', conc); },
  }));
  const mode = /** @type {HTMLSelectElement} */ (h('select', {
    'data-field': 'on_failure_mode',
    onchange: () => { d.on_failure_mode = mode.value || undefined; ed.changed('on_failure_mode', mode); },
  },
  h('option', { value: '', selected: !d.on_failure_mode }, 'When an issue opens'),
  h('option', { value: 'every', selected: d.on_failure_mode === 'every' }, 'For every failed run')));
  body.append(h('div', { class: 'grid2' },
    labelled('On failure, start', onf, { optional: true, help: 'Another workflow, given the failure as its payload.' }),
    labelled('Runs at once', conc, { optional: true })),
  h('div', { class: 'grid2' },
    labelled('Start it', mode, { optional: true, help: 'Failures of one step and kind of error make an issue: by default the workflow starts when one opens (or reopens), not for each failed run.' })), ids);
  return sec;
}
