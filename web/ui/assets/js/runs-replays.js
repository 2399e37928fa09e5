// @ts-check
// A run's replays on its page: each replay with its status, newest first,
// and whether the latest one resolved a failed run.

import { get, qs } from './api.js';
import { h, clear, statusPill, timeEl } from './dom.js';

/**
 * replaysSection is the "Replays" section of run's page: hidden until the
 * run turns out to have replays.
 * @param {{id: string, status: string}} run
 */
export function replaysSection(run) {
  const list = h('ul', { class: 'replays-list' });
  const note = h('p', { class: 'replays-note' });
  const box = h('section', { class: 'card replays', id: 'replays', 'aria-labelledby': 'replays-h', hidden: true },
    h('div', { class: 'card-head' }, h('h2', { id: 'replays-h' }, 'Replays of this run')),
    h('div', { class: 'card-body' }, note, list));
  get(`/runs${qs({ replay_of: run.id, limit: 20 })}`).then(({ runs }) => {
    if (!runs.length) return;
    clear(list);
    for (const r of runs) {
      list.append(h('li', { dataset: { run: r.id } },
        statusPill(r.status), ' ',
        h('a', { href: `/runs/${r.id}`, 'data-link': '', class: 'mono', 'aria-label': `Replay ${r.id} (${r.status})` }, `${r.id.slice(0, 8)}…${r.id.slice(-4)}`),
        ' ', timeEl(r.created_at)));
    }
    if (run.status === 'failed') {
      note.textContent = runs[0].status === 'succeeded'
        ? 'Resolved: its latest replay succeeded.'
        : `Not resolved yet: its latest replay is ${runs[0].status}.`;
    }
    box.hidden = false;
  }).catch(() => { /* the section stays hidden */ });
  return box;
}
