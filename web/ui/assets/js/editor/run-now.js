// @ts-check
// Run now: a stored run of the saved workflow with a payload the user
// gives (prefilled with the sample), like a trigger would start it; the
// run page opens on it. A disabled workflow runs too: to be disabled
// stops its trigger, not an operator.

import { post } from '../api.js';
import { h, modal, toast } from '../dom.js';
import { navigate } from '../nav.js';

/**
 * runNowButton is the editor's Run now button for the saved workflow.
 * @param {{saved: {id: string} | null, sample: {payload: any}}} ed the editor
 */
export function runNowButton(ed) {
  return h('button', {
    type: 'button', class: 'btn', id: 'run-now', disabled: !ed.saved,
    title: ed.saved ? 'Start a real, stored run of the saved workflow with a payload you give' : 'Save the workflow first',
    onclick: () => { if (ed.saved) runNow(ed.saved.id, ed.sample.payload); },
  }, 'Run now');
}

/**
 * runNow asks for the payload and starts the run.
 * @param {string} id the workflow's id
 * @param {any} payload the payload offered first
 */
async function runNow(id, payload) {
  const ta = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    class: 'code', rows: 14, id: 'run-now-payload', spellcheck: 'false',
    value: JSON.stringify(payload ?? null, null, 2),
  }));
  const err = h('div', { class: 'error-text', id: 'run-now-error', role: 'alert' });
  await modal({
    title: 'Run now',
    content: [
      h('p', null, 'Starts a real run of the saved workflow with this payload: its steps call out as they would for an event.'),
      h('label', { for: ta.id }, 'Payload (JSON)'), ta, err],
    buttons: [
      { label: 'Cancel', value: 'cancel' },
      {
        label: 'Start run', value: 'run', kind: 'primary', id: 'run-now-start',
        onClick: async () => {
          let body;
          try { body = JSON.parse(ta.value); } catch (e) {
            err.textContent = `Not JSON: ${e instanceof Error ? e.message : e}`;
            return false;
          }
          try {
            const r = await post(`/workflows/${encodeURIComponent(id)}/runs`, { payload: body });
            toast('Run started');
            navigate(`/runs/${r.run_id}`);
            return true;
          } catch (e) {
            err.textContent = e instanceof Error ? e.message : String(e);
            return false;
          }
        },
      },
    ],
  });
}
