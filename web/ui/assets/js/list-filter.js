// @ts-check
// The workflow list's search, tag filter and order. The server filters,
// orders and pages (GET /api/v1/workflows?limit=&q=&tag=&sort=), so a list
// of thousands loads a page at a time; the choice is kept in the address
// (?q=&tag=&sort=) so a reload or a link keeps it.

import { h, nextId } from './dom.js';

/** @type {[string, string][]} */
const SORTS = [
  ['name', 'Name'],
  ['last_run', 'Last run, newest first'],
  ['failures', 'Failures, most first'],
];

/** @typedef {{q: string, tag: string, sort: string}} ListQuery */

/**
 * listQuery reads the list's search, tag and order from the address.
 * @returns {ListQuery}
 */
export function listQuery() {
  const p = new URLSearchParams(location.search);
  const sort = p.get('sort') || 'name';
  return { q: p.get('q') || '', tag: p.get('tag') || '', sort: SORTS.some(([v]) => v === sort) ? sort : 'name' };
}

/**
 * listFilters draws the search, tag and sort controls of the list; each
 * change is written to the address and handed to onChange (the search
 * after a short pause in typing).
 * @param {ListQuery} query the current choice
 * @param {string[]} tags every tag in use
 * @param {HTMLElement} tbody the list's rows: a row's tag filters by it
 * @param {(q: ListQuery) => void} onChange
 */
export function listFilters(query, tags, tbody, onChange) {
  const ids = { q: nextId('wf-q'), tag: nextId('wf-tag'), sort: nextId('wf-sort') };
  const q = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', id: ids.q, placeholder: 'Search by name', autocomplete: 'off', spellcheck: 'false', value: query.q,
  }));
  const tag = /** @type {HTMLSelectElement} */ (h('select', { id: ids.tag },
    h('option', { value: '' }, 'All tags'), tags.map((t) => h('option', { value: t }, t))));
  tag.value = tags.find((t) => t.toLowerCase() === query.tag.toLowerCase()) || '';
  const sort = /** @type {HTMLSelectElement} */ (h('select', { id: ids.sort }, SORTS.map(([v, l]) => h('option', { value: v }, l))));
  sort.value = query.sort;
  const shown = h('span', { class: 'muted wf-shown', role: 'status' });

  const apply = () => {
    const next = { q: q.value.trim(), tag: tag.value, sort: sort.value };
    const p = new URLSearchParams(location.search);
    for (const [k, v] of [['q', next.q], ['tag', next.tag], ['sort', next.sort === 'name' ? '' : next.sort]]) {
      if (v) p.set(k, v); else p.delete(k);
    }
    const s = p.toString();
    history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}`);
    onChange(next);
  };
  /** @type {number | undefined} */
  let typing;
  q.addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(apply, 150);
  });
  tag.addEventListener('change', apply);
  sort.addEventListener('change', apply);
  // A tag on a row filters by it.
  tbody.addEventListener('click', (e) => {
    const b = e.target instanceof Element ? e.target.closest('button.tag-filter') : null;
    if (!(b instanceof HTMLElement) || !b.dataset.tag) return;
    tag.value = tags.find((t) => t.toLowerCase() === (b.dataset.tag || '').toLowerCase()) || '';
    apply();
    tag.focus();
  });
  const el = h('div', { class: 'filters wf-filters', role: 'search', 'aria-label': 'Filter workflows' },
    h('label', { for: ids.q, class: 'sr-only' }, 'Search by name'), q,
    h('label', { for: ids.tag }, 'Tag'), tag,
    h('label', { for: ids.sort }, 'Sort by'), sort,
    shown);
  return {
    el,
    /** clear empties the search and the tag. */
    clear() { q.value = ''; tag.value = ''; apply(); q.focus(); },
    /**
     * count says how many workflows match, of all.
     * @param {number} n
     * @param {number} all
     */
    count(n, all) { shown.textContent = n === all ? `${n} workflows` : `${n} of ${all} workflows`; },
  };
}
