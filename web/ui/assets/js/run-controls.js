// @ts-check
// A run's controls on its page: "Retry now" for a retrying run (its next
// attempt now rather than at its backoff's time) and "Cancel" for a run
// that has not finished (one whose attempt is in flight finishes that
// attempt, then ends cancelled).

import { post } from './api.js';
import { h, toast, confirmDialog } from './dom.js';

/**
 * runControls returns the buttons that apply to run as it is (none for a
 * finished run); changed is called once one has acted.
 * @param {{id: string, status: string}} run
 * @param {() => void} changed
 */
export function runControls(run, changed) {
  const out = h('span', { class: 'run-controls' });
  if (run.status === 'retrying') {
    out.append(h('button', {
      type: 'button', class: 'btn', id: 'retry-now',
      onclick: async () => {
        try { await post(`/runs/${run.id}/retry-now`); toast('Retrying now'); changed(); } catch (e) { toast(e.message, 'error'); }
      },
    }, 'Retry now'));
  }
  if (['queued', 'retrying', 'waiting', 'running'].includes(run.status)) {
    out.append(h('button', {
      type: 'button', class: 'btn danger', id: 'cancel-run',
      onclick: async () => {
        const ok = await confirmDialog({
          title: 'Cancel this run?',
          message: run.status === 'running'
            ? 'The step under way finishes and is recorded; the run then ends cancelled and its later steps do not run.'
            : 'The run ends cancelled now; its remaining steps do not run. It can be replayed later.',
          confirm: 'Cancel run', danger: true,
        });
        if (!ok) return;
        try {
          const r = await post(`/runs/${run.id}/cancel`);
          toast(r.cancel_requested ? 'The run is cancelled once its step in flight ends' : 'Run cancelled');
          changed();
        } catch (e) { toast(e.message, 'error'); }
      },
    }, 'Cancel'));
  }
  return out;
}
