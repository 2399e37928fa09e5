// @ts-check
// Bulk replay from the runs page: "Replay these" previews how many runs the
// page's filter selects (a dry bulk replay), starts a durable job replaying
// each of them once, and follows its progress until it ends.

import { post, get, del } from './api.js';
import { h, clear, toast } from './dom.js';
import { onLeave } from './nav.js';

/**
 * bulkReplay returns the "Replay these" button and the panel it opens, for
 * the runs the filter selects.
 * @param {{workflow: string, status: string}} filter
 * @returns {{button: HTMLElement, panel: HTMLElement}}
 */
export function bulkReplay(filter) {
  const panel = h('section', { class: 'card bulk-replay', id: 'bulk-replay', 'aria-labelledby': 'bulk-replay-h', hidden: true });
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  onLeave(() => { if (timer) clearTimeout(timer); });
  const button = h('button', {
    type: 'button', class: 'btn', id: 'replay-these', 'aria-expanded': 'false', 'aria-controls': 'bulk-replay',
    onclick: () => {
      const open = panel.hidden;
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      if (open) preview().catch((e) => toast(e.message, 'error'));
    },
  }, 'Replay these…');

  const what = () => [filter.status ? `${filter.status} ` : '', 'runs', filter.workflow ? ` of ${filter.workflow}` : ''].join('');

  async function preview() {
    const body = h('div', { class: 'card-body' }, h('p', { class: 'muted' }, 'Counting…'));
    clear(panel).append(h('div', { class: 'card-head' }, h('h2', { id: 'bulk-replay-h' }, 'Replay these runs')), body);
    const { count, sample } = await post('/replays', { workflow: filter.workflow, status: filter.status, dry: true });
    const from = /** @type {HTMLSelectElement} */ (h('select', { id: 'bulk-replay-from' },
      h('option', { value: 'start' }, 'From the start'),
      h('option', { value: 'failed_step' }, 'From the step each failed at')));
    const rate = /** @type {HTMLInputElement} */ (h('input', { type: 'number', id: 'bulk-replay-rate', min: '1', max: '1000', value: '50' }));
    clear(body).append(
      h('p', { id: 'bulk-replay-count' }, h('strong', null, String(count)), ` ${what()} match${count === 1 ? 'es' : ''}: each is replayed once, as a new run of its event on the workflow's current revision.`),
      sample.length ? h('ul', { class: 'bulk-replay-sample' }, sample.map((/** @type {any} */ r) => h('li', null,
        h('a', { href: `/runs/${r.id}`, 'data-link': '', class: 'mono' }, `${r.id.slice(0, 8)}…`), ' ', r.error || r.status))) : null,
      h('div', { class: 'filters' },
        h('label', { for: 'bulk-replay-from' }, 'Replay '), from,
        h('label', { for: 'bulk-replay-rate' }, ' at most '), rate, h('span', null, ' per second'),
        h('button', {
          type: 'button', class: 'btn primary', id: 'bulk-replay-start', disabled: count === 0,
          onclick: async () => {
            try {
              const { job } = await post('/replays', {
                workflow: filter.workflow, status: filter.status, from: from.value, rate_per_second: Number(rate.value) || 50,
              });
              toast('Bulk replay started');
              follow(job, body);
            } catch (e) { toast(e.message, 'error'); }
          },
        }, `Replay ${count}`)));
  }

  /**
   * follow shows a job's progress until it ends.
   * @param {any} job
   * @param {HTMLElement} body
   */
  function follow(job, body) {
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { id: 'bulk-replay-progress', max: String(Math.max(job.total, 1)), value: '0' }));
    const text = h('p', { id: 'bulk-replay-state', role: 'status' });
    const cancel = h('button', {
      type: 'button', class: 'btn danger', id: 'bulk-replay-cancel',
      onclick: async () => {
        try { show((await del(`/replays/${job.id}`)).job); } catch (e) { toast(e.message, 'error'); }
      },
    }, 'Cancel');
    clear(body).append(bar, text, cancel);
    const show = (/** @type {any} */ j) => {
      bar.value = j.done + j.failed;
      text.textContent = `${j.state === 'running' ? 'Replaying' : j.state === 'done' ? 'Done' : 'Cancelled'}: ${j.done} of ${j.total} replayed`
        + (j.failed ? `, ${j.failed} could not be (${j.last_error || 'see the server log'})` : '') + '.';
      cancel.hidden = j.state !== 'running';
      if (j.state === 'running') timer = setTimeout(poll, 1000);
    };
    const poll = () => get(`/replays/${job.id}`).then(({ job: j }) => show(j)).catch(() => { timer = setTimeout(poll, 3000); });
    show(job);
  }

  return { button, panel };
}
