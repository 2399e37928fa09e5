// @ts-check
// The Dashboard page: for every workflow, or one (?workflow=ID), over the
// last hour, day or week (?range=), four charts drawn with uPlot (vendored
// under /assets/vendor/uplot/, loaded when the page is first shown): runs
// by status, delivery attempts by outcome, event-to-finish latency (p50,
// p95), and the backlog with its oldest due run. Each chart has a heading
// and a text summary of the range's totals; the page refreshes itself.

import { get, qs } from './api.js';
import { h, clear, fmtDuration } from './dom.js';
import { navigate, onLeave, setTitle } from './nav.js';

const RANGES = [['hour', 'Last hour'], ['day', 'Last day'], ['week', 'Last week']];
const REFRESH_MS = 10000;

/** @type {Promise<any> | null} */
let uplotLoaded = null;

/** loadUPlot adds uPlot's script and style to the document once. */
function loadUPlot() {
  if (!uplotLoaded) {
    uplotLoaded = new Promise((resolve, reject) => {
      document.head.append(h('link', { rel: 'stylesheet', href: '/assets/vendor/uplot/uPlot.min.css' }));
      const s = /** @type {HTMLScriptElement} */ (h('script', { src: '/assets/vendor/uplot/uPlot.iife.min.js' }));
      s.onload = () => resolve(/** @type {any} */ (window).uPlot);
      s.onerror = () => { uplotLoaded = null; reject(new Error('the chart library did not load')); };
      document.head.append(s);
    });
  }
  return uplotLoaded;
}

/** @param {number} n */
const num = (n) => n.toLocaleString();

/**
 * charts describes the four charts: id, title, the series drawn (label,
 * colour, values of the answer) and the text summary of the totals.
 * @param {any} d the API's answer
 */
function charts(d) {
  const t = d.totals;
  const ms = (/** @type {number|null} */ v) => (v == null ? '—' : fmtDuration(v));
  const rate = t.delivered + t.delivery_failed + t.delivery_retried;
  return [
    {
      id: 'runs', title: 'Runs by status', unit: 'runs', bars: true,
      series: [['Succeeded', '#1c6b3a', d.runs.succeeded], ['Failed', '#b42318', d.runs.failed],
        ['Filtered', '#5a6474', d.runs.filtered], ['Cancelled', '#8a5300', d.runs.cancelled]],
      summary: `${num(t.runs)} runs: ${num(t.succeeded)} succeeded, ${num(t.failed)} failed, ${num(t.filtered)} filtered, ${num(t.cancelled)} cancelled`,
    },
    {
      id: 'deliveries', title: 'Delivery attempts by outcome', unit: 'attempts', bars: true,
      series: [['Delivered', '#1c6b3a', d.deliveries.delivered], ['Failed', '#b42318', d.deliveries.failed],
        ['Retried', '#8a5300', d.deliveries.retried]],
      summary: `${num(rate)} attempts: ${num(t.delivered)} delivered, ${num(t.delivery_failed)} failed, ${num(t.delivery_retried)} to be retried`
        + (rate ? ` (${Math.round((100 * t.delivered) / rate)}% delivered)` : ''),
    },
    {
      id: 'latency', title: 'Event to finish latency', unit: 'ms',
      series: [['p50', '#2f5bd3', d.latency_ms.p50], ['p95', '#5b3cb0', d.latency_ms.p95]],
      summary: `p50 ${ms(t.p50_ms)}, p95 ${ms(t.p95_ms)}`,
    },
    {
      id: 'backlog', title: 'Backlog', unit: 'runs',
      series: [['Queued and retrying', '#2f5bd3', d.backlog.runs], ['Oldest due (s)', '#b42318', d.backlog.oldest_due_s]],
      summary: `peak ${num(t.peak_backlog)} queued or retrying runs; oldest due run waited ${fmtDuration(t.oldest_due_s * 1000)}`,
    },
  ];
}

/**
 * dashboardPage draws the dashboard in root.
 * @param {HTMLElement} root
 */
export async function dashboardPage(root) {
  const params = new URLSearchParams(location.search);
  const f = { range: params.get('range') || 'hour', workflow: params.get('workflow') || '' };
  if (!RANGES.some(([r]) => r === f.range)) f.range = 'hour';
  setTitle(f.workflow ? `Monitoring ${f.workflow}` : 'Dashboard');
  const go = (/** @type {Record<string, string>} */ next) => navigate(`/dashboard${qs({ ...f, ...next })}`, { replace: true });
  const wfSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'dashboard-workflow', onchange: () => go({ workflow: wfSel.value }) },
    h('option', { value: '' }, 'All workflows')));
  if (f.workflow) wfSel.append(h('option', { value: f.workflow, selected: true }, f.workflow));
  get('/workflows').then(({ workflows }) => {
    for (const w of workflows) {
      if (w.id === f.workflow) { /** @type {HTMLOptionElement} */ (wfSel.lastElementChild).textContent = w.name || w.id; continue; }
      wfSel.append(h('option', { value: w.id }, w.name || w.id));
    }
  }).catch(() => {});
  const ranges = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range' },
    RANGES.map(([r, label]) => h('button', {
      type: 'button', class: `btn small${r === f.range ? ' primary' : ''}`, 'aria-pressed': String(r === f.range),
      onclick: () => go({ range: r }),
    }, label)));
  const grid = h('div', { class: 'dash-grid' });
  const updated = h('p', { class: 'muted dash-updated', 'aria-live': 'polite' });
  root.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' },
      h('h1', null, f.workflow ? `Monitoring: ${f.workflow}` : 'Dashboard'),
      h('div', { class: 'filters', role: 'search', 'aria-label': 'Dashboard filters' },
        h('label', { for: 'dashboard-workflow', class: 'sr-only' }, 'Workflow'), wfSel, ranges)),
    h('p', { class: 'muted' }, 'Runs as they finish, delivery attempts, latency from event to finish and the backlog, counted per minute. Counts reach the charts within seconds.'),
    grid, updated));

  const uPlot = await loadUPlot();
  /** @type {Map<string, {plot: any, summary: HTMLElement, box: HTMLElement}>} */
  const drawn = new Map();
  let timer = 0;
  let stopped = false;
  const resize = () => { for (const c of drawn.values()) c.plot?.setSize(size(c.box)); };
  window.addEventListener('resize', resize);
  onLeave(() => { stopped = true; clearTimeout(timer); window.removeEventListener('resize', resize); for (const c of drawn.values()) c.plot?.destroy(); });

  async function load() {
    const d = await get(`/dashboard${qs(f)}`);
    if (stopped) return;
    const cs = charts(d);
    if (!drawn.size) {
      // Every card first, so each chart is sized to its own cell.
      for (const c of cs) {
        const box = h('div', { class: 'dash-chart', role: 'img', 'aria-label': `${c.title} chart` });
        const summary = h('p', { class: 'dash-summary', id: `dash-${c.id}-summary` });
        grid.append(h('section', { class: 'card dash-card', 'aria-labelledby': `dash-${c.id}-title`, dataset: { chart: c.id } },
          h('h2', { id: `dash-${c.id}-title` }, c.title), summary, box));
        drawn.set(c.id, { plot: null, summary, box });
      }
      for (const c of cs) {
        const ch = /** @type {{plot: any, summary: HTMLElement, box: HTMLElement}} */ (drawn.get(c.id));
        ch.plot = new uPlot({
          ...size(ch.box),
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          // Half a bucket either side, so the first and last bars show whole.
          scales: { x: { time: true, range: (/** @type {any} */ _u, /** @type {number} */ lo, /** @type {number} */ hi) => [lo - d.step_seconds / 2, hi + d.step_seconds / 2] } },
          axes: [{}, { label: c.unit, size: 56 }],
          series: [{}, ...c.series.map(([label, stroke]) => ({
            label, stroke, width: 2,
            fill: c.bars ? `${stroke}33` : undefined,
            // Latency has gaps (no runs, no value): points show its lone buckets.
            points: c.id === 'latency' ? { show: true, size: 6, fill: stroke } : { show: false },
            paths: c.bars && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined,
          }))],
        }, [d.times, ...c.series.map((x) => x[2])], ch.box);
      }
    }
    for (const c of cs) {
      const ch = /** @type {{plot: any, summary: HTMLElement, box: HTMLElement}} */ (drawn.get(c.id));
      ch.plot.setData([d.times, ...c.series.map((x) => x[2])]);
      ch.summary.textContent = c.summary;
    }
    grid.dataset.runs = String(d.totals.runs);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }
  const tick = async () => {
    try { await load(); } catch (e) { updated.textContent = `Could not refresh: ${/** @type {Error} */ (e).message}`; }
    if (!stopped) timer = window.setTimeout(tick, REFRESH_MS);
  };
  await load();
  timer = window.setTimeout(tick, REFRESH_MS);
}

/** @param {HTMLElement} box */
function size(box) {
  return { width: Math.max(280, box.clientWidth || 480), height: 220 };
}
