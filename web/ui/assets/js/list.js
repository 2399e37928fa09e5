// @ts-check
// The workflow list: name and tags, enabled toggle, trigger, last run, runs
// of the last 24 h and failures not followed by a success; search by name,
// a tag filter and sorting (list-filter.js); create, duplicate, delete,
// import, export.

import { get, post, del, api, qs } from './api.js';
import {
  h, clear, statusPill, timeEl, toast, modal, confirmDialog, download, nextId,
} from './dom.js';
import { navigate, setTitle } from './nav.js';
import { loadKinds, kindOf } from './kinds.js';
import { galleryDialog } from './gallery.js';
import { listFilters, listQuery } from './list-filter.js';

/** PAGE is how many workflows the list asks for at a time. */
const PAGE = 100;

/**
 * workflowList draws the list of workflows in root.
 * @param {HTMLElement} root
 */
export async function workflowList(root) {
  setTitle('Workflows');
  const body = h('div', { class: 'page' });
  root.append(body);
  let query = listQuery();
  /** @param {import('./list-filter.js').ListQuery} q @param {string} [cursor] */
  const page = (q, cursor) => get(`/workflows${qs({ limit: PAGE, q: q.q, tag: q.tag, sort: q.sort === 'name' ? '' : q.sort, cursor })}`);
  const [first, kinds] = await Promise.all([page(query), loadKinds()]);

  const head = h('div', { class: 'page-head' },
    h('h1', null, 'Workflows', h('span', { class: 'count' }, String(first.all))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', id: 'import-open', onclick: () => importDialog() }, 'Import'),
      h('button', {
        type: 'button', class: 'btn', id: 'export-all', disabled: first.all === 0,
        onclick: () => exportWorkflows([]),
      }, 'Export all'),
      h('button', {
        type: 'button', class: 'btn primary', id: 'new-workflow', onclick: () => galleryDialog(),
      }, 'New workflow')));
  body.append(head);

  if (first.all === 0) {
    body.append(h('div', { class: 'empty card' },
      h('h2', null, 'No workflows yet'),
      h('p', null, 'A workflow starts from a webhook or a schedule, filters and reshapes the payload, and calls other systems.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn primary', onclick: () => galleryDialog() }, 'Create a workflow'),
        h('button', { type: 'button', class: 'btn', onclick: () => importDialog() }, 'Import a definition'))));
    return;
  }

  const tbody = h('tbody');
  const table = h('table', { class: 'table wf-table' },
    h('caption', { class: 'sr-only' }, 'Workflows with their latest activity'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', class: 'col-toggle' }, 'On'),
      h('th', { scope: 'col' }, 'Name'),
      h('th', { scope: 'col' }, 'Trigger'),
      h('th', { scope: 'col' }, 'Last run'),
      h('th', { scope: 'col', class: 'num' }, 'Runs 24 h'),
      h('th', { scope: 'col', class: 'num', title: 'Failed runs of the last 24 hours not followed by a success' }, 'Failures'),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
    tbody);
  const none = h('tr', { class: 'wf-none', hidden: true },
    h('td', { colspan: '7', class: 'muted' }, 'No workflow matches. ',
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => filters.clear() }, 'Clear the filters')));
  const more = h('button', { type: 'button', class: 'btn', id: 'wf-more', hidden: true }, 'Show more');
  /** @type {string | null} */
  let next = null;
  let shownRows = 0;
  let asked = 0; // answers to an earlier question are dropped
  /** @param {Record<string, any>} res @param {boolean} append */
  const draw = (res, append) => {
    if (!append) { clear(tbody); shownRows = 0; }
    for (const w of res.workflows) tbody.append(row(w, kinds));
    shownRows += res.workflows.length;
    tbody.append(none);
    none.hidden = res.total > 0;
    next = res.next_cursor;
    more.hidden = !next;
    more.textContent = `Show more (${res.total - shownRows} more)`;
    filters.count(res.total, res.all);
  };
  /** @param {import('./list-filter.js').ListQuery} q */
  const reload = async (q) => {
    query = q;
    const mine = ++asked;
    try {
      const res = await page(q);
      if (mine === asked) draw(res, false);
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  more.addEventListener('click', async () => {
    if (!next) return;
    const mine = asked;
    more.disabled = true;
    try {
      const res = await page(query, next);
      if (mine === asked) draw(res, true);
    } catch (e) {
      toast(e.message, 'error');
    } finally {
      more.disabled = false;
    }
  });
  const filters = listFilters(query, first.tags, tbody, reload);
  draw(first, false);
  body.append(filters.el, h('div', { class: 'card flush' }, table), h('div', { class: 'wf-more' }, more));
}

/**
 * row is a workflow's row of the list.
 * @param {Record<string, any>} w
 * @param {import('./kinds.js').Kinds} kinds
 */
function row(w, kinds) {
  const trig = (w.trigger && w.trigger.type) || '';
  const last = h('td', { class: 'last-run' });
  const runs = h('td', { class: 'num' });
  const fails = h('td', { class: 'num' });
  const toggle = h('input', {
    type: 'checkbox', role: 'switch', class: 'switch', checked: w.enabled,
    'aria-label': `Enabled: ${w.name}`, dataset: { workflow: w.id },
    onchange: async () => {
      const on = toggle.checked;
      toggle.disabled = true;
      try {
        await post(`/workflows/${w.id}/${on ? 'enable' : 'disable'}`);
        toast(`${w.name} ${on ? 'enabled' : 'disabled'}`);
      } catch (e) {
        toggle.checked = !on;
        toast(e.message, 'error');
      } finally {
        toggle.disabled = false;
      }
    },
  });
  const tr = h('tr', { dataset: { workflow: w.id } },
    h('td', { class: 'col-toggle' }, toggle),
    h('td', null,
      h('a', { href: `/workflows/${w.id}`, 'data-link': '', class: 'wf-name' }, w.name),
      (w.tags || []).length ? h('span', { class: 'wf-tags' }, (w.tags || []).map((/** @type {string} */ t) => h('button', {
        type: 'button', class: 'tag small tag-filter', dataset: { tag: t }, 'aria-label': `Show only tag ${t}`,
      }, t))) : null,
      h('div', { class: 'sub mono' }, w.id)),
    h('td', null, h('span', { class: `tag tr-${trig}` }, kindOf(kinds.triggers, trig)?.title || trig),
      w.trigger && w.trigger.schedule ? h('span', { class: 'sub mono' }, ` ${w.trigger.schedule}`) : null),
    last, runs, fails,
    h('td', { class: 'col-actions' },
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => duplicate(w), 'aria-label': `Duplicate ${w.name}` }, 'Duplicate'),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => exportWorkflows([w.id]), 'aria-label': `Export ${w.name}` }, 'Export'),
      h('button', {
        type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Delete ${w.name}`,
        onclick: () => remove(w),
      }, 'Delete')));

  const act = w.activity || { last_run: null, runs_24h: 0, failures: 0 };
  if (act.last_run) {
    last.append(
      h('a', { href: `/runs/${act.last_run.id}`, 'data-link': '', class: 'plain' }, statusPill(act.last_run.status)),
      ' ', timeEl(act.last_run.created_at));
  } else {
    last.append(h('span', { class: 'muted' }, 'never'));
  }
  runs.append(act.runs_24h > 0
    ? h('a', { href: `/runs${qs({ workflow: w.id })}`, 'data-link': '' }, String(act.runs_24h))
    : h('span', { class: 'muted' }, '0'));
  fails.append(act.failures > 0
    ? h('a', { href: `/runs${qs({ workflow: w.id, status: 'failed', unresolved: 1 })}`, 'data-link': '', class: 'fail-count' }, String(act.failures))
    : h('span', { class: 'muted' }, '0'));
  return tr;
}

async function duplicate(w) {
  try {
    const whole = await get(`/workflows/${w.id}`);
    const def = { ...whole.definition, name: `${w.name} (copy)`, enabled: false };
    delete def.id;
    const created = await post('/workflows', def);
    toast(`Created ${created.name}, disabled until you turn it on`);
    navigate(`/workflows/${created.id}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function remove(w) {
  const ok = await confirmDialog({
    title: `Delete “${w.name}”?`,
    message: 'The workflow, its revisions, captured events and run history are removed for good. Its trigger URL stops working.',
    confirm: 'Delete workflow',
    danger: true,
  });
  if (!ok) return;
  try {
    await del(`/workflows/${w.id}`);
    toast(`Deleted ${w.name}`);
    navigate('/', { replace: true, force: true });
  } catch (e) {
    toast(e.message, 'error');
  }
}

/**
 * exportWorkflows downloads the definitions of ids (all where empty).
 * @param {string[]} ids
 */
export async function exportWorkflows(ids) {
  try {
    const q = ids.map((id) => `id=${encodeURIComponent(id)}`).join('&');
    const { text } = await api('GET', `/export${q ? `?${q}` : ''}`, undefined, { raw: true });
    const name = ids.length === 1 ? `${ids[0]}.json` : `hookflow-workflows-${new Date().toISOString().slice(0, 10)}.json`;
    download(name, text);
    toast(`Exported ${ids.length === 1 ? ids[0] : 'all workflows'}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}

/** importDialog imports pasted or chosen JSON: one definition or a bundle. */
export function importDialog() {
  const ta = h('textarea', {
    id: 'import-text', class: 'code', rows: 14, spellcheck: 'false',
    placeholder: '{"format": "hookflow/v1", "name": "…", "trigger": {…}, "steps": […]}',
  });
  const fileId = nextId('file');
  const file = h('input', {
    type: 'file', id: fileId, accept: '.json,application/json',
    onchange: async () => {
      const f = file.files && file.files[0];
      if (f) ta.value = await f.text();
    },
  });
  const err = h('div', { class: 'error-text', role: 'alert', id: 'import-error' });
  const content = h('div', { class: 'import' },
    h('label', { for: 'import-text' }, 'Paste a definition or a bundle (JSON)'),
    ta,
    h('div', { class: 'field inline' }, h('label', { for: fileId }, 'or read a file'), file),
    h('p', { class: 'help' }, 'A workflow whose id exists gets a new revision; importing the same file twice changes nothing.'),
    err);
  return modal({
    title: 'Import workflows',
    content,
    wide: true,
    onOpen: () => ta.focus(),
    buttons: [
      { label: 'Cancel', value: 'cancel' },
      {
        label: 'Import', kind: 'primary', id: 'import-submit', value: 'ok',
        onClick: async (btn) => {
          err.textContent = '';
          if (!ta.value.trim()) { err.textContent = 'Paste JSON or choose a file first.'; return false; }
          btn.disabled = true;
          try {
            const res = await api('POST', '/import', ta.value);
            const created = res.workflows.filter((x) => x.created).length;
            const changed = res.workflows.filter((x) => !x.created && x.changed).length;
            toast(`Imported ${res.workflows.length}: ${created} new, ${changed} updated`);
            if (res.workflows.length === 1) navigate(`/workflows/${res.workflows[0].id}`, { force: true });
            else navigate('/', { replace: true, force: true });
            return true;
          } catch (e) {
            err.textContent = e.field ? `${e.field}: ${e.message}` : e.message;
            if (e.line && e.field === 'definition') err.textContent += ` (line ${e.line}, column ${e.column})`;
            return false;
          } finally {
            btn.disabled = false;
          }
        },
      },
    ],
  });
}
