// @ts-check
// A waiting run's wait steps on the run page: each one's resume URL, and
// Approve / Resume buttons with which an operator resumes it.

import { get, post } from './api.js';
import { h, append, clear, copyText, toast } from './dom.js';

/**
 * waitsSection fills holder with the run's wait steps that wait, and calls
 * reload once one is resumed.
 * @param {HTMLElement} holder
 * @param {{id: string, status: string}} run
 * @param {() => void} reload
 */
export async function waitsSection(holder, run, reload) {
  if (run.status !== 'waiting') { clear(holder); return; }
  let data;
  try { data = await get(`/runs/${encodeURIComponent(run.id)}/waits`); } catch { return; }
  const waiting = data.waits.filter((w) => w.waiting);
  if (!waiting.length) { clear(holder); return; }
  if (holder.dataset.shown === waiting.map((w) => w.step).join(',')) return; // drawn already: keep focus
  holder.dataset.shown = waiting.map((w) => w.step).join(',');
  append(clear(holder), waiting.map((w) => {
    const url = /** @type {HTMLInputElement} */ (h('input', {
      type: 'text', readonly: true, class: 'mono', id: `resume-url-${w.step}`, value: w.url,
    }));
    const resume = async (body, what) => {
      try {
        await post(`/runs/${encodeURIComponent(run.id)}/resume`, { step: w.step, body });
        toast(`${what}: the run goes on`);
        holder.dataset.shown = '';
        reload();
      } catch (e) { toast(e instanceof Error ? e.message : String(e), 'error'); }
    };
    return h('section', { class: 'card wait-card', 'aria-label': `Waiting at step ${w.step}` },
      h('div', { class: 'card-head' },
        h('h2', null, 'Waiting at ', h('span', { class: 'mono' }, w.step)),
        w.until ? h('span', { class: 'muted' }, `gives up ${new Date(w.until).toLocaleString()}`) : null),
      h('div', { class: 'card-body' },
        h('label', { for: url.id }, `Resume URL of step ${w.step}`), url,
        h('p', { class: 'muted small' }, 'A GET or POST to this URL resumes the run, once; its body and query become the step\'s output.'),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn ghost', 'aria-label': `Copy the resume URL of step ${w.step}`, onclick: (e) => copyText(w.url, /** @type {HTMLElement} */ (e.currentTarget)) }, 'Copy'),
          h('button', { type: 'button', class: 'btn primary', 'aria-label': `Approve step ${w.step}`, onclick: () => resume({ approved: true }, 'Approved') }, 'Approve'),
          h('button', { type: 'button', class: 'btn', 'aria-label': `Resume step ${w.step}`, onclick: () => resume({}, 'Resumed') }, 'Resume'))));
  }));
}
