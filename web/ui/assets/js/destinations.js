// @ts-check
// The Destinations page: the destinations of outbound calls
// (scheme://host:port) that failed lately or are paused, with their
// failures in a row, last error, when a paused one is probed again and the
// runs waiting on it; an editor resumes a paused one at once.

import { get, post } from './api.js';
import { h, clear, timeEl, fmtTime, toast } from './dom.js';
import { setTitle } from './nav.js';
import { can } from './me.js';

/**
 * destinationsPage draws the destinations in root.
 * @param {HTMLElement} root
 */
export async function destinationsPage(root) {
  setTitle('Destinations');
  const tableWrap = h('div', { class: 'card flush' });
  root.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Destinations')),
    h('p', { class: 'muted' }, 'A destination that fails too many times in a row (20 unless set otherwise) is paused: runs calling it wait, without using up their retries, and one call probes it after a cool-down (1 minute, doubling up to an hour). When it answers, the waiting runs go, oldest first. Nothing is dropped.'),
    tableWrap));

  async function load() {
    const { destinations } = await get('/destinations');
    clear(tableWrap);
    if (!destinations.length) {
      tableWrap.append(h('div', { class: 'empty' }, h('p', null, 'No destination has failed lately.')));
      return;
    }
    const tbody = h('tbody');
    for (const d of destinations) {
      const paused = d.state !== 'open';
      tbody.append(h('tr', { class: `destination-row destination-${d.state}`, dataset: { destination: d.id } },
        h('td', null, h('span', { class: `pill st-${paused ? 'failed' : 'succeeded'}` }, d.state)),
        h('td', { class: 'mono' }, d.key),
        h('td', { class: 'num' }, String(d.consecutive_failures)),
        h('td', { class: 'destination-error', title: d.last_error || '' }, d.last_error || '—'),
        h('td', { title: d.paused_until ? fmtTime(d.paused_until) : '' }, d.paused_until ? timeEl(d.paused_until) : '—'),
        h('td', { class: 'num' }, String(d.runs_waiting)),
        h('td', { class: 'actions' }, paused && can('editor') ? h('button', {
          type: 'button', class: 'btn small', 'aria-label': `Resume now: ${d.key}`,
          onclick: async () => {
            try {
              const r = await post(`/destinations/${encodeURIComponent(d.id)}/resume`, {});
              toast(`Resumed: ${r.runs_resumed} run${r.runs_resumed === 1 ? '' : 's'} made due`);
              await load();
            } catch (e) { toast(e.message, 'error'); }
          },
        }, 'Resume now') : null)));
    }
    tableWrap.append(h('table', { class: 'table destinations-table' },
      h('caption', { class: 'sr-only' }, 'Destinations, by address'),
      h('thead', null, h('tr', null,
        ['State', 'Destination', 'Failures in a row', 'Last error', 'Paused until', 'Runs waiting', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  }
  await load();
}
