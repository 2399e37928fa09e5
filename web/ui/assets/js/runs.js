// @ts-check
// Run history: a filtered, paginated table, and one run with its trigger
// event and every step attempt.

import { get, post, qs } from './api.js';
import {
  h, append, clear, statusPill, timeEl, fmtTime, fmtDuration, jsonView, toast, confirmDialog,
} from './dom.js';
import { navigate, onLeave, setTitle } from './nav.js';
import { replaysSection } from './runs-replays.js';
import { waitsSection } from './run-waits.js';
import { isNested, nestedView } from './run-items.js';
import { can } from './me.js';
import { bulkReplay } from './bulk-replay.js';
import { runControls } from './run-controls.js';

const STATUSES = ['succeeded', 'filtered', 'failed', 'retrying', 'waiting', 'queued', 'running', 'cancelled'];
const PAGE = 50;

/**
 * runDuration is how long a finished run took, in milliseconds.
 * @param {{created_at: string, finished_at?: string}} r
 */
function runDuration(r) {
  if (!r.finished_at) return null;
  return new Date(r.finished_at).getTime() - new Date(r.created_at).getTime();
}

/**
 * runList draws the run history, filtered by the query string, in root.
 * @param {HTMLElement} root
 */
export async function runList(root) {
  setTitle('Runs');
  const params = new URLSearchParams(location.search);
  const f = {
    workflow: params.get('workflow') || '', status: params.get('status') || '', cursor: params.get('cursor') || '',
    unresolved: params.get('unresolved') === '1' ? '1' : '',
  };
  const page = h('div', { class: 'page' });
  root.append(page);

  const go = (next) => navigate(`/runs${qs({ ...f, ...next })}`);
  const wfSel = h('select', { id: 'runs-workflow', onchange: () => go({ workflow: wfSel.value, cursor: '' }) },
    h('option', { value: '' }, 'All workflows'));
  const stSel = h('select', { id: 'runs-status', onchange: () => go({ status: stSel.value, cursor: '' }) },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: f.status === s }, s[0].toUpperCase() + s.slice(1))));
  const names = {};
  get('/workflows').then(({ workflows }) => {
    for (const w of workflows) {
      names[w.id] = w.name;
      wfSel.append(h('option', { value: w.id, selected: f.workflow === w.id }, w.name));
    }
    for (const a of page.querySelectorAll('a[data-wf-name]')) if (a instanceof HTMLElement) a.textContent = names[a.dataset.wfName] || a.dataset.wfName;
  }).catch(() => {});
  if (f.workflow) wfSel.append(h('option', { value: f.workflow, selected: true }, f.workflow));

  const tableWrap = h('div', { class: 'card flush' });
  const pager = h('div', { class: 'pager' });
  const bulk = bulkReplay(f);
  page.append(
    h('div', { class: 'page-head' },
      h('h1', null, 'Runs'),
      h('div', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
        h('label', { for: 'runs-workflow', class: 'sr-only' }, 'Workflow'), wfSel,
        h('label', { for: 'runs-status', class: 'sr-only' }, 'Status'), stSel,
        h('label', { class: 'check', for: 'runs-unresolved', title: 'Leave out the failed runs whose latest replay succeeded' },
          h('input', {
            type: 'checkbox', id: 'runs-unresolved', checked: f.unresolved === '1',
            onchange: (/** @type {Event} */ e) => go({ unresolved: /** @type {HTMLInputElement} */ (e.target).checked ? '1' : '', cursor: '' }),
          }), 'Hide resolved'),
        h('button', { type: 'button', class: 'btn', id: 'runs-refresh', onclick: () => load() }, 'Refresh'),
        bulk.button)),
    bulk.panel, tableWrap, pager);

  async function load() {
    const data = await get(`/runs${qs({ workflow: f.workflow, status: f.status, unresolved: f.unresolved, cursor: f.cursor, limit: PAGE })}`);
    clear(tableWrap);
    if (!data.runs.length) {
      tableWrap.append(h('div', { class: 'empty' },
        h('p', null, f.workflow || f.status || f.cursor || f.unresolved ? 'No runs match.' : 'No runs yet. Send a request to a workflow\'s trigger URL and it shows up here.')));
    } else {
      const tbody = h('tbody');
      for (const r of data.runs) {
        const dur = runDuration(r);
        tbody.append(h('tr', { class: `run-row st-row-${r.status}`, dataset: { run: r.id } },
          h('td', null, statusPill(r.status)),
          h('td', null, h('a', { href: `/runs/${r.id}`, 'data-link': '', class: 'mono' }, r.id.slice(0, 8) + '…' + r.id.slice(-4)),
            r.replay_of ? h('a', {
              class: 'tag small', href: `/runs/${r.replay_of}`, 'data-link': '', 'aria-label': `Replay of ${r.replay_of}`,
            }, 'replay') : null),
          h('td', null, h('a', { href: `/workflows/${r.workflow}`, 'data-link': '', dataset: { wfName: r.workflow } }, names[r.workflow] || r.workflow)),
          h('td', null, timeEl(r.created_at)),
          h('td', { class: 'num' }, dur == null ? h('span', { class: 'muted' }, r.next_run_at ? `next ${timeEl(r.next_run_at).textContent}` : '—') : fmtDuration(dur)),
          h('td', { class: 'err-cell', title: r.error || '' }, r.error || '')));
      }
      tableWrap.append(h('table', { class: 'table runs-table' },
        h('caption', { class: 'sr-only' }, 'Runs, newest first'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Run'), h('th', { scope: 'col' }, 'Workflow'),
          h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col', class: 'num' }, 'Duration'),
          h('th', { scope: 'col' }, 'Error'))),
        tbody));
    }
    append(clear(pager), [
      f.cursor ? h('a', { class: 'btn', href: `/runs${qs({ ...f, cursor: '' })}`, 'data-link': '' }, '← Newest') : null,
      h('span', { class: 'muted' }, `${data.runs.length} run${data.runs.length === 1 ? '' : 's'} on this page`),
      data.next_cursor ? h('a', { class: 'btn', id: 'runs-older', href: `/runs${qs({ ...f, cursor: data.next_cursor })}`, 'data-link': '' }, 'Older →') : null]);
  }
  await load();
  // The first page follows new runs by itself.
  if (!f.cursor) {
    const timer = setInterval(() => { if (!document.hidden) load().catch(() => {}); }, 4000);
    onLeave(() => clearInterval(timer));
  }
}

/**
 * runPage draws run id with its event and step attempts in root.
 * @param {HTMLElement} root
 * @param {string} id
 */
export async function runPage(root, id) {
  setTitle(`Run ${id.slice(0, 8)}`);
  const page = h('div', { class: 'page run-page' });
  root.append(page);
  let timer = null;
  let types = null;
  /** @type {Record<string, string>} the run each workflow step started, by step path */
  let children = {};
  const waits = h('div', { class: 'waits' });
  onLeave(() => clearTimeout(timer));

  async function load() {
    const data = await get(`/runs/${encodeURIComponent(id)}`);
    const { run, event, steps, calls } = data;
    children = Object.fromEntries(((calls && calls.children) || []).map((c) => [c.step, c.run_id]));
    if (!types) {
      types = {};
      try {
        const rev = await get(`/workflows/${run.workflow}/revisions/${run.revision}`);
        for (const s of rev.definition.steps) types[s.id] = s.type;
      } catch { /* workflow deleted since: types stay unknown */ }
    }
    render(run, event, steps, calls && calls.parent);
    waitsSection(waits, run, () => { clearTimeout(timer); load().catch(() => {}); });
    const live = !['succeeded', 'filtered', 'failed', 'cancelled'].includes(run.status);
    if (live) timer = setTimeout(() => load().catch(() => {}), 1000);
  }

  function render(run, event, steps, parent) {
    const dur = runDuration(run);
    append(clear(page), [
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '/runs', 'data-link': '' }, 'Runs'), h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { class: 'mono' }, run.id)),
      h('div', { class: 'page-head' },
        h('h1', null, 'Run ', statusPill(run.status)),
        h('div', { class: 'actions' },
          h('a', { class: 'btn ghost', href: `/workflows/${run.workflow}`, 'data-link': '' }, 'Open workflow'),
          can('editor') ? runControls(run, () => { clearTimeout(timer); load().catch(() => {}); }) : null,
          can('editor') ? h('button', { type: 'button', class: 'btn primary', id: 'replay', onclick: () => replay(run) }, 'Replay') : null)),
      h('dl', { class: 'meta-grid' },
        meta('Workflow', h('a', { href: `/workflows/${run.workflow}`, 'data-link': '', class: 'mono' }, run.workflow)),
        meta('Revision', String(run.revision)),
        meta('Started', h('span', null, fmtTime(run.created_at))),
        meta('Finished', run.finished_at ? fmtTime(run.finished_at) : (run.next_run_at ? `next attempt ${fmtTime(run.next_run_at)}` : '—')),
        meta('Duration', dur == null ? '—' : fmtDuration(dur)),
        meta('Retries', retries(steps)),
        parent ? meta('Started by', h('a', { href: `/runs/${parent.run_id}`, 'data-link': '', class: 'mono', 'aria-label': `Open the parent run (step ${parent.step})` },
          `${parent.run_id.slice(0, 13)}…`, h('span', { class: 'muted' }, ` step ${parent.step}`))) : null,
        run.replay_of ? meta('Replay of', h('a', { href: `/runs/${run.replay_of}`, 'data-link': '', class: 'mono' }, run.replay_of.slice(0, 13) + '…')) : null,
        meta('Run id', h('span', { class: 'mono small' }, run.id))),
      run.error ? h('div', { class: 'banner error', role: 'alert' }, run.error) : null,
      replaysSection(run),
      waits,
      eventCard(event),
      h('h2', { class: 'section-h' }, 'Steps'),
      steps.length
        ? h('ol', { class: 'attempts' }, steps.flatMap((s, i) => isNested(s.step) ? [] : [withNested(run, steps, s, i)]))
        : h('p', { class: 'muted' }, run.status === 'queued' ? 'Queued: no step has run yet.' : 'No step attempts recorded.')]);
  }

  // A step holding steps (a loop, paths) shows, under its last attempt,
  // its items or paths, each with its own steps' attempts.
  function withNested(run, steps, s, i) {
    const last = isLastAttempt(steps, i);
    const card = attemptCard(run, s, last);
    if (last) {
      const nested = nestedView(s.step, steps, (a) => attemptCard(run, a, isLastAttempt(steps, steps.indexOf(a))),
        () => replay(run, s.step, true));
      if (nested) card.append(nested);
    }
    return card;
  }

  function isLastAttempt(steps, i) {
    return !steps.slice(i + 1).some((x) => x.step === steps[i].step);
  }

  function attemptCard(run, s, last) {
    const type = types && types[s.step];
    // A step that made a request records it as its input, and the answer as its output.
    const webhook = s.input && typeof s.input === 'object' && s.input.method && s.input.url;
    const cols = h('div', { class: 'io-cols' });
    if (webhook) {
      cols.append(ioBlock('Request', s.input, 'request'), ioBlock('Response', s.output, 'response'));
    } else {
      cols.append(ioBlock('Input', s.input, 'payload'), ioBlock('Output', s.output, `steps.${s.step}`));
    }
    return h('li', { class: `attempt card st-border-${s.status}`, dataset: { step: s.step } },
      h('div', { class: 'attempt-head' },
        h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(s.index + 1)),
        h('strong', { class: 'mono' }, s.step),
        type ? h('span', { class: 'tag' }, type) : null,
        statusPill(s.status),
        s.attempt > 1 || last === false ? h('span', { class: 'muted' }, `attempt ${s.attempt}`) : null,
        s.status_code ? h('span', { class: 'mono' }, `HTTP ${s.status_code}`) : null,
        h('span', { class: 'muted' }, fmtDuration(s.duration_ms)),
        h('span', { class: 'muted small', title: fmtTime(s.started_at) }, timeEl(s.started_at)),
        h('span', { class: 'spacer' }),
        last && children[s.step] ? h('a', {
          href: `/runs/${children[s.step]}`, 'data-link': '', class: 'btn small ghost', 'aria-label': `Open the run step ${s.step} started`,
        }, 'Open its run') : null,
        last ? h('button', {
          type: 'button', class: 'btn small ghost', 'aria-label': `Replay from step ${s.step}`,
          onclick: () => replay(run, s.step),
        }, 'Replay from here') : null),
      s.error ? h('div', { class: 'error-text attempt-error' }, s.error) : null,
      (s.input !== undefined || s.output !== undefined) ? cols : null);
  }

  async function replay(run, fromStep, onlyFailed = false) {
    const ok = await confirmDialog({
      title: onlyFailed ? `Replay the failed items of “${fromStep}”?` : fromStep ? `Replay from step “${fromStep}”?` : 'Replay this run?',
      message: onlyFailed
        ? 'A new run of the same event runs the failed items of this loop again; the other items keep their results. The steps after the loop run again.'
        : fromStep
        ? 'A new run of the same event starts at this step, with the outputs the earlier steps had. Webhook steps call their receivers again.'
        : 'A new run of the same event starts from the first step, on the workflow\'s current revision. Webhook steps call their receivers again.',
      confirm: 'Replay',
    });
    if (!ok) return;
    try {
      /** @type {Record<string, any>} */
      const body = fromStep ? { from_step: fromStep } : {};
      if (onlyFailed) body.only_failed = true;
      const r = await post(`/runs/${run.id}/replay`, body);
      toast('Replay queued');
      navigate(`/runs/${r.run_id}`);
    } catch (e) { toast(e.message, 'error'); }
  }

  await load();
}

/**
 * retries says how many step attempts were retries of an earlier one: a
 * run's own count of claims also counts the wait of a delay, or a
 * restart, which are no retries.
 * @param {{step: string, attempt: number}[]} steps the run's step attempts
 */
function retries(steps) {
  const n = steps.filter((s) => s.attempt > 1).length;
  if (!n) return 'none';
  const which = [...new Set(steps.filter((s) => s.attempt > 1).map((s) => s.step))];
  return `${n} (${which.join(', ')})`;
}

/**
 * @param {string} label
 * @param {import('./dom.js').Child} value
 */
function meta(label, value) {
  return [h('dt', null, label), h('dd', null, value)];
}

function ioBlock(title, value, root) {
  return h('div', { class: 'io' },
    h('div', { class: 'io-h' }, title),
    value === undefined || value === null ? h('div', { class: 'muted small' }, 'none') : jsonView(value, { root }));
}

function eventCard(ev) {
  const headers = Object.entries(ev.headers || {}).sort(([a], [b]) => a.localeCompare(b));
  return h('section', { class: 'card event', 'aria-labelledby': 'event-h' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'event-h' }, 'Trigger event'),
      h('span', { class: 'tag' }, ev.source),
      ev.method ? h('span', { class: 'mono' }, ev.method) : null,
      h('span', { class: 'muted' }, fmtTime(ev.received_at))),
    h('div', { class: 'card-body io-cols' },
      h('div', { class: 'io' }, h('div', { class: 'io-h' }, 'Payload'), jsonView(ev.body ?? null, { root: 'payload' })),
      h('div', { class: 'io' },
        h('div', { class: 'io-h' }, `Headers (${headers.length})`),
        headers.length ? h('table', { class: 'kv-table' }, h('tbody', null, headers.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v))))) : h('div', { class: 'muted small' }, 'none'),
        ev.query ? [h('div', { class: 'io-h' }, 'Query'), h('code', { class: 'small' }, ev.query)] : null)));
}
