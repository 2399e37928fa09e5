// @ts-check
// The Issues page: failed runs grouped by workflow, step and error class,
// each with its count, when first and last seen, a sample run, and its
// state, which the page changes (acknowledge, resolve, reopen).

import { get, post, qs } from './api.js';
import { h, clear, timeEl, fmtTime, toast } from './dom.js';
import { navigate, setTitle } from './nav.js';

const STATES = ['open', 'acknowledged', 'resolved'];

/** classLabel words an error class for people. @param {string} c */
function classLabel(c) {
  const m = /^http_(\d{3})$/.exec(c);
  if (m) return `HTTP ${m[1]}`;
  return ({
    connection_refused: 'Connection refused', timeout: 'Timeout', http_5xx: 'HTTP 5xx',
    egress_refused: 'Egress refused', expression: 'Expression error', other: 'Other',
  })[c] || c;
}

/**
 * issuesPage draws the issues, filtered by the query string, in root.
 * @param {HTMLElement} root
 */
export async function issuesPage(root) {
  setTitle('Issues');
  const params = new URLSearchParams(location.search);
  const f = { workflow: params.get('workflow') || '', state: params.get('state') || '' };
  const go = (/** @type {Record<string, string>} */ next) => navigate(`/issues${qs({ ...f, ...next })}`);
  const wfSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'issues-workflow', onchange: () => go({ workflow: wfSel.value }) },
    h('option', { value: '' }, 'All workflows')));
  const stSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'issues-state', onchange: () => go({ state: stSel.value }) },
    h('option', { value: '' }, 'Any state'),
    STATES.map((s) => h('option', { value: s, selected: f.state === s }, s[0].toUpperCase() + s.slice(1)))));
  get('/workflows').then(({ workflows }) => {
    for (const w of workflows) wfSel.append(h('option', { value: w.id, selected: f.workflow === w.id }, w.name));
  }).catch(() => {});
  const tableWrap = h('div', { class: 'card flush' });
  const page = h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('h1', null, 'Issues'),
      h('div', { class: 'filters', role: 'search', 'aria-label': 'Filter issues' },
        h('label', { for: 'issues-workflow', class: 'sr-only' }, 'Workflow'), wfSel,
        h('label', { for: 'issues-state', class: 'sr-only' }, 'State'), stSel)),
    h('p', { class: 'muted' }, 'Failed runs of one workflow, step and kind of error make one issue. A workflow\'s on_failure workflow starts when an issue opens, or opens again after it was resolved.'),
    tableWrap);
  root.append(page);

  async function load() {
    const { issues } = await get(`/issues${qs(f)}`);
    clear(tableWrap);
    if (!issues.length) {
      tableWrap.append(h('div', { class: 'empty' }, h('p', null, f.workflow || f.state ? 'No issues match.' : 'No issues: no run has failed.')));
      return;
    }
    const tbody = h('tbody');
    for (const i of issues) {
      const act = (/** @type {string} */ state, /** @type {string} */ label) => h('button', {
        type: 'button', class: 'btn small', 'aria-label': `${label}: ${i.workflow} ${i.step} ${classLabel(i.class)}`,
        onclick: async () => {
          try { await post(`/issues/${i.id}`, { state }); toast(`Issue ${state}`); await load(); } catch (e) { toast(e.message, 'error'); }
        },
      }, label);
      tbody.append(h('tr', { class: `issue-row issue-${i.state}`, dataset: { issue: i.id } },
        h('td', null, h('span', { class: `pill issue-state st-${i.state === 'open' ? 'failed' : i.state === 'resolved' ? 'succeeded' : 'waiting'}` }, i.state)),
        h('td', null, h('a', { href: `/workflows/${i.workflow}`, 'data-link': '' }, i.workflow)),
        h('td', { class: 'mono' }, i.step || '—'),
        h('td', { title: i.last_error || '' }, classLabel(i.class)),
        h('td', { class: 'num' }, String(i.count)),
        h('td', { title: fmtTime(i.first_seen) }, timeEl(i.first_seen)),
        h('td', { title: fmtTime(i.last_seen) }, timeEl(i.last_seen)),
        h('td', null, h('a', { href: `/runs/${i.sample_run}`, 'data-link': '', class: 'mono', 'aria-label': `Sample run of ${i.workflow} ${i.step}` }, `${i.sample_run.slice(0, 8)}…`)),
        h('td', { class: 'actions' },
          i.state === 'open' ? act('acknowledged', 'Acknowledge') : null,
          i.state !== 'resolved' ? act('resolved', 'Resolve') : act('open', 'Reopen'))));
    }
    tableWrap.append(h('table', { class: 'table issues-table' },
      h('caption', { class: 'sr-only' }, 'Issues, last seen first'),
      h('thead', null, h('tr', null,
        ['State', 'Workflow', 'Step', 'Error', 'Failures', 'First seen', 'Last seen', 'Sample run', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  }
  await load();
}
