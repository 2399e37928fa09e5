// @ts-check
// The workflow list's search, tag filter and order, for lists of hundreds:
// all on the page (the list API gives every workflow with its activity),
// kept in the address (?q=&tag=&sort=) so a reload or a link keeps them.

import { h, nextId } from './dom.js';

/** @typedef {Record<string, any>} Listed a workflow as GET /api/v1/workflows gives it */

/** @type {[string, string][]} */
const SORTS = [
  ['name', 'Name'],
  ['last_run', 'Last run, newest first'],
  ['failures', 'Failures, most first'],
];

/** @param {Listed} w */
const tagsOf = (w) => /** @type {string[]} */ ((w.definition && w.definition.tags) || []);
/** @param {Listed} w */
const lastRunAt = (w) => (w.activity && w.activity.last_run ? Date.parse(w.activity.last_run.created_at) : 0);
/** @param {Listed} w */
const failures = (w) => (w.activity ? w.activity.failures : 0);

/**
 * compare orders two workflows by sort: ties (and names) by name.
 * @param {string} sort
 * @returns {(a: Listed, b: Listed) => number}
 */
function compare(sort) {
  const byName = (/** @type {Listed} */ a, /** @type {Listed} */ b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id);
  if (sort === 'last_run') return (a, b) => lastRunAt(b) - lastRunAt(a) || byName(a, b);
  if (sort === 'failures') return (a, b) => failures(b) - failures(a) || lastRunAt(b) - lastRunAt(a) || byName(a, b);
  return byName;
}

/**
 * listFilters draws the search, tag and sort controls of the list and
 * applies them to its rows (shown, hidden, ordered in tbody).
 * @param {Listed[]} workflows
 * @param {Map<string, HTMLTableRowElement>} rows each workflow's row, by id
 * @param {HTMLElement} tbody
 */
export function listFilters(workflows, rows, tbody) {
  const params = new URLSearchParams(location.search);
  const tags = [...new Set(workflows.flatMap(tagsOf))].sort((a, b) => a.localeCompare(b));
  const ids = { q: nextId('wf-q'), tag: nextId('wf-tag'), sort: nextId('wf-sort') };
  const q = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', id: ids.q, placeholder: 'Search by name', autocomplete: 'off', spellcheck: 'false', value: params.get('q') || '',
  }));
  const tag = /** @type {HTMLSelectElement} */ (h('select', { id: ids.tag },
    h('option', { value: '' }, 'All tags'), tags.map((t) => h('option', { value: t }, t))));
  tag.value = tags.includes(params.get('tag') || '') ? params.get('tag') || '' : '';
  const sort = /** @type {HTMLSelectElement} */ (h('select', { id: ids.sort }, SORTS.map(([v, l]) => h('option', { value: v }, l))));
  sort.value = SORTS.some(([v]) => v === params.get('sort')) ? params.get('sort') || 'name' : 'name';
  const shown = h('span', { class: 'muted wf-shown', role: 'status' });
  const none = h('tr', { class: 'wf-none', hidden: true },
    h('td', { colspan: '7', class: 'muted' }, 'No workflow matches. ',
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => { q.value = ''; tag.value = ''; apply(); q.focus(); } }, 'Clear the filters')));

  const apply = () => {
    const words = q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const want = tag.value;
    let n = 0;
    const sorted = [...workflows].sort(compare(sort.value));
    for (const w of sorted) {
      const tr = rows.get(w.id);
      if (!tr) continue;
      const hay = `${w.name} ${w.id}`.toLowerCase();
      const ok = words.every((x) => hay.includes(x)) && (!want || tagsOf(w).some((t) => t.toLowerCase() === want.toLowerCase()));
      tr.hidden = !ok;
      if (ok) n += 1;
      tbody.append(tr);
    }
    tbody.append(none);
    none.hidden = n > 0;
    shown.textContent = n === workflows.length ? `${n} workflows` : `${n} of ${workflows.length} workflows`;
    const p = new URLSearchParams(location.search);
    for (const [k, v] of [['q', q.value.trim()], ['tag', want], ['sort', sort.value === 'name' ? '' : sort.value]]) {
      if (v) p.set(k, v); else p.delete(k);
    }
    const s = p.toString();
    history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}`);
  };
  q.addEventListener('input', apply);
  tag.addEventListener('change', apply);
  sort.addEventListener('change', apply);
  // A tag on a row filters by it.
  tbody.addEventListener('click', (e) => {
    const b = e.target instanceof Element ? e.target.closest('button.tag-filter') : null;
    if (!(b instanceof HTMLElement) || !b.dataset.tag) return;
    tag.value = b.dataset.tag;
    apply();
    tag.focus();
  });
  apply();
  return h('div', { class: 'filters wf-filters', role: 'search', 'aria-label': 'Filter workflows' },
    h('label', { for: ids.q, class: 'sr-only' }, 'Search by name'), q,
    h('label', { for: ids.tag }, 'Tag'), tag,
    h('label', { for: ids.sort }, 'Sort by'), sort,
    shown);
}
